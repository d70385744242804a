// Cheap hints for a waiting job: what change to its request would let it run now, or what keeps it from
// running when the cluster has the capacity in pieces. Each hint that says "fits now" was checked by
// placing the relaxed job through the same engine (and rolled back).
import { createJobPlacer, type JobPlacer, placeJob } from './gang.ts';
import { membersOf } from './order.ts';
import type { EngineOptions } from './placement-engine.ts';
import { modelAllowed, wantsGpu, wantsWholeGpus } from './request.ts';
import { WorkingSnapshot } from './snapshot.ts';
import { MILLI_PER_GPU, type PendingJob, type ResourceRequest, type Snapshot } from './types.ts';

/** Hints for one job. For many jobs of one snapshot use createSuggester: it builds the working copy once. */
export function whatWouldHelp(snapshot: Snapshot, job: PendingJob, options: EngineOptions = {}): string[] {
  return createSuggester(snapshot, options)(job);
}

/**
 * whatWouldHelp for many jobs of one snapshot: one working copy, hints cached per request shape. Each
 * uncached shape costs a few placements (O(nodes) each). Empty when the job fits now as it is.
 */
export function createSuggester(
  snapshot: Snapshot,
  options: EngineOptions = {},
): (job: PendingJob) => string[] {
  const working = new WorkingSnapshot(snapshot);
  const placer = createJobPlacer(working, options);
  const byShape = new Map<string, string[]>();
  return (job) => {
    const key = JSON.stringify([job.resources, membersOf(job), job.sameLabel ?? null]);
    let hints = byShape.get(key);
    if (hints === undefined) {
      hints = suggest(placer, job);
      byShape.set(key, hints);
    }
    return [...hints];
  };
}

function suggest(placer: JobPlacer, job: PendingJob): string[] {
  const fits = (variant: PendingJob) => {
    const mark = placer.working.checkpoint();
    const placed = placeJob(placer, variant).placements !== undefined;
    placer.working.rollbackTo(mark);
    return placed;
  };
  if (fits(job)) return [];
  const request = job.resources;
  const hints: string[] = [];
  const relaxed = (change: Partial<ResourceRequest>): PendingJob => ({
    ...job,
    resources: { ...request, ...change },
  });

  if (wantsGpu(request) && request.gpuModel.length > 0 && fits(relaxed({ gpuModel: [] }))) {
    hints.push('fits now with gpuModel any');
  }
  if (membersOf(job) > 1 && job.sameLabel !== undefined && fits({ ...job, sameLabel: undefined })) {
    hints.push(`fits now without sameLabel ${job.sameLabel}`);
  }
  const scattered = scatteredGpus(placer.working, request);
  if (scattered !== undefined) hints.push(scattered);

  const reason = placer.working.explain(request);
  if (reason?.kind === 'InsufficientCpu' && reason.largestFreeMilli > 0) {
    if (fits(relaxed({ cpuMilli: reason.largestFreeMilli })))
      hints.push(`fits now with cpuMilli ${reason.largestFreeMilli} or less`);
  } else if (reason?.kind === 'InsufficientMemory' && reason.largestFreeMiB > 0) {
    if (fits(relaxed({ memoryMiB: reason.largestFreeMiB })))
      hints.push(`fits now with memoryMiB ${reason.largestFreeMiB} or less`);
  } else if (reason?.kind === 'InsufficientGpuShare' && reason.largestFreeMilli > 0) {
    if (fits(relaxed({ gpuMilli: reason.largestFreeMilli })))
      hints.push(`fits now with gpuMilli ${reason.largestFreeMilli} or less`);
  }
  return hints;
}

/**
 * "needs 2 GPUs on one node; 14 nodes have 1 free": the cluster has enough whole free GPUs of an allowed
 * model, just not on one node. undefined when that is not the case.
 */
function scatteredGpus(working: WorkingSnapshot, request: ResourceRequest): string | undefined {
  if (!wantsWholeGpus(request) || request.gpus < 2) return undefined;
  let total = 0;
  let largest = 0;
  let nodesWithLargest = 0;
  for (const node of working.nodes) {
    if (node.unschedulable) continue;
    let free = 0;
    for (const gpu of node.gpus)
      if (gpu.freeMilli >= MILLI_PER_GPU && modelAllowed(request, gpu.model)) free++;
    total += free;
    if (free > largest) {
      largest = free;
      nodesWithLargest = 0;
    }
    if (free === largest && free > 0) nodesWithLargest++;
  }
  if (largest === 0 || largest >= request.gpus || total < request.gpus) return undefined;
  const nodes = nodesWithLargest === 1 ? '1 node has' : `${nodesWithLargest} nodes have`;
  return `needs ${request.gpus} GPUs on one node; ${nodes} ${largest} free`;
}
