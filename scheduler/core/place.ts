// Finds the best node for one request in the working snapshot: filter, choose GPUs, score.
import { passesAll } from './filters.ts';
import { chooseGpus, type GpuChoice } from './gpu-choice.ts';
import type { Scorer } from './scorers/scorer.ts';
import type { WorkingSnapshot } from './snapshot.ts';
import type { PendingJob, Placement } from './types.ts';
import type { ReadonlyWorkingNode, WorkingNode } from './working-node.ts';

/** undefined when no node fits. Equal scores go to the node earlier in the snapshot. */
export function bestPlacement(
  working: WorkingSnapshot,
  job: PendingJob,
  scorer: Scorer,
  allow?: (node: ReadonlyWorkingNode) => boolean,
): Placement | undefined {
  const request = job.resources;
  let best: { node: WorkingNode; gpus: GpuChoice; score: number } | undefined;
  for (const node of working.candidates(request)) {
    if (!passesAll(node, request) || (allow && !allow(node))) continue;
    const gpus = chooseGpus(node, request);
    if (gpus === undefined) continue;
    const score = scorer({ node, request, gpus });
    if (
      best === undefined ||
      score > best.score ||
      (score === best.score && node.position < best.node.position)
    ) {
      best = { node, gpus, score };
    }
  }
  if (best === undefined) return undefined;
  return {
    jobId: job.id,
    node: best.node.name,
    gpuIndices: best.gpus.gpuIndices,
    gpuMilliPerGpu: best.gpus.gpuMilliPerGpu,
    cpuMilli: request.cpuMilli,
    memoryMiB: request.memoryMiB,
  };
}
