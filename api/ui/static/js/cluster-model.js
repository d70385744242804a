// What the cluster map draws, from the API alone: each node's GPUs from GET /v1/compute-environments
// (the leader's published gpuUse) and, on each GPU, the running jobs whose attempt was placed there
// (GET /v1/jobs, STARTING and RUNNING). Pure (unit-tested in Node).

/**
 * @param {{ gpuUse?: { node: string, unschedulable?: boolean, usedMilli: number[] }[] }} ce
 * @param {object[]} runningJobs job records with attempts
 * @returns {{ node: string, unschedulable: boolean, gpus: Cell[], freeGpus: number, strandedMilli: number }[]}
 */
export function nodeCells(ce, runningJobs) {
  const onGpu = new Map(); // "node/index" -> [{ job, milli }]
  for (const job of runningJobs) {
    const attempt = job.attempts?.at(-1);
    if (!attempt || attempt.stoppedAt) continue;
    const { node, gpuIndices, gpuMilliPerGpu } = attempt.placement;
    for (const index of gpuIndices) {
      const key = `${node}/${index}`;
      if (!onGpu.has(key)) onGpu.set(key, []);
      onGpu.get(key).push({
        id: job.id,
        name: job.spec.name,
        queue: job.spec.queue,
        share: job.spec.shareIdentifier,
        milli: gpuMilliPerGpu,
      });
    }
  }
  return (ce.gpuUse ?? []).map((node) => {
    const gpus = node.usedMilli.map((usedMilli, index) => {
      const jobs = onGpu.get(`${node.node}/${index}`) ?? [];
      return { index, usedMilli, state: cellState(usedMilli), jobs };
    });
    return {
      node: node.node,
      unschedulable: node.unschedulable === true,
      gpus,
      freeGpus: gpus.filter((gpu) => gpu.usedMilli === 0).length,
      // Free thousandths on GPUs that are partly taken: usable only by other shared-GPU jobs.
      strandedMilli: gpus.reduce((sum, gpu) => sum + (gpu.state === 'partly' ? 1000 - gpu.usedMilli : 0), 0),
    };
  });
}

export function cellState(usedMilli) {
  if (usedMilli >= 1000) return 'used';
  return usedMilli > 0 ? 'partly' : 'free';
}

/** A pool's totals: GPUs, in use, partly, free, allocated GPU-equivalents, stranded, largest free block. */
export function poolTotals(nodes) {
  const cells = nodes.flatMap((node) => node.gpus);
  const schedulable = nodes.filter((node) => !node.unschedulable);
  return {
    nodes: nodes.length,
    gpus: cells.length,
    used: cells.filter((cell) => cell.state === 'used').length,
    partly: cells.filter((cell) => cell.state === 'partly').length,
    free: cells.filter((cell) => cell.state === 'free').length,
    allocated: cells.reduce((sum, cell) => sum + cell.usedMilli, 0) / 1000,
    stranded: nodes.reduce((sum, node) => sum + node.strandedMilli, 0) / 1000,
    // The biggest whole-GPU job that could start now: free GPUs are usable only within one node.
    largestFree: schedulable.reduce((most, node) => Math.max(most, node.freeGpus), 0),
  };
}
