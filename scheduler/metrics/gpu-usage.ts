// GPUs per pool and GPU model for the scrape-time gauges: total, held by running attempts, free on
// schedulable nodes, and fragmented (the FGD measure of scheduler/core/fragmentation.ts: free capacity
// the workload could not use where it lies). The workload is the waiting jobs, else the running ones
// (what is likely to come again); with neither, nothing is fragmented for anyone.
import { fragmentationOfShapes } from '../core/fragmentation.ts';
import { MILLI_PER_GPU, type NodeState, type WorkloadSample } from '../core/types.ts';
import { toShapes } from '../core/workload.ts';

export interface GpuUsage {
  pool: string;
  model: string;
  /** In GPUs; shares of a GPU count as fractions. */
  total: number;
  allocated: number;
  free: number;
  fragmented: number;
}

/**
 * `capacity`: the nodes at full capacity (the executor's); `free`: the same nodes less what running
 * attempts hold (the placement loop's snapshot). A node whose GPUs are of several models has its
 * fragmentation shared among them in proportion to their free capacity.
 */
export function gpuUsage(
  pool: string,
  capacity: readonly NodeState[],
  free: readonly NodeState[],
  workload: readonly WorkloadSample[],
): GpuUsage[] {
  const byModel = new Map<string, GpuUsage>();
  const row = (model: string) => {
    let r = byModel.get(model);
    if (!r) {
      r = { pool, model, total: 0, allocated: 0, free: 0, fragmented: 0 };
      byModel.set(model, r);
    }
    return r;
  };
  const freeByName = new Map(free.map((node) => [node.name, node]));
  // Once, not per node: 1,000 nodes against 2,000 waiting jobs took 1-2 ms, against 440-620 ms with the
  // shapes rebuilt for every node (same process, alternating, on a loaded 2-core machine).
  const shapes = toShapes(workload);
  for (const node of capacity) {
    const now = freeByName.get(node.name) ?? node;
    const unschedulable = node.unschedulable === true || now.unschedulable === true;
    for (const gpu of node.gpus) {
      const r = row(gpu.model);
      const left = now.gpus.find((g) => g.index === gpu.index)?.freeMilli ?? gpu.freeMilli;
      r.total += gpu.freeMilli;
      r.allocated += gpu.freeMilli - left;
      if (!unschedulable) r.free += left;
    }
    if (unschedulable || workload.length === 0) continue;
    const fragmented = fragmentationOfShapes(now, shapes);
    const freeMilli = now.gpus.reduce((sum, g) => sum + g.freeMilli, 0);
    if (fragmented === 0 || freeMilli === 0) continue;
    for (const gpu of now.gpus) row(gpu.model).fragmented += (fragmented * gpu.freeMilli) / freeMilli;
  }
  // Summed in milli (integers but for fragmentation), reported in GPUs.
  return [...byModel.values()].map((r) => ({
    ...r,
    total: r.total / MILLI_PER_GPU,
    allocated: r.allocated / MILLI_PER_GPU,
    free: r.free / MILLI_PER_GPU,
    fragmented: r.fragmented / MILLI_PER_GPU,
  }));
}
