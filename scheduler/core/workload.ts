// The workload distribution that fragmentation is judged against: job shapes with their frequencies.
// Shapes that fragmentation cannot tell apart are merged, so a trace of 100,000 jobs costs what its few
// dozen distinct shapes cost.
import { wantsGpuShare, wantsWholeGpus } from './request.ts';
import { MILLI_PER_GPU, type ResourceRequest, type RunningJob, type WorkloadSample } from './types.ts';

/** One distinct task shape, its probability (the shapes of a distribution sum to 1). */
export interface WorkloadShape {
  /** Whole GPUs (0 for a share or CPU-only). */
  readonly gpus: number;
  /** A share of one GPU (0 for whole GPUs or CPU-only). */
  readonly gpuMilli: number;
  /** Allowed models; empty means any. */
  readonly gpuModel: readonly string[];
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  readonly probability: number;
}

/**
 * Used when no workload is given and nothing runs: a generic mix of shares and whole-GPU jobs (weights
 * loosely after the Alibaba GPU-sharing trace the FGD paper uses), with no CPU or memory demand so it
 * judges GPU shape alone.
 */
export const GENERIC_WORKLOAD: readonly WorkloadSample[] = [
  [0, 250, 10],
  [0, 500, 15],
  [0, 750, 5],
  [1, 0, 40],
  [2, 0, 12],
  [4, 0, 10],
  [8, 0, 8],
].map(([gpus, gpuMilli, weight]) => ({
  resources: { gpus: gpus!, gpuMilli: gpuMilli!, gpuModel: [], cpuMilli: 0, memoryMiB: 0 },
  weight: weight!,
}));

/** Merges equal shapes and normalizes weights; samples with no positive weight are ignored. */
export function toShapes(samples: readonly WorkloadSample[]): WorkloadShape[] {
  const merged = new Map<string, { request: ResourceRequest; weight: number }>();
  let total = 0;
  for (const sample of samples) {
    if (!(sample.weight > 0)) continue;
    const request = normalized(sample.resources);
    const key = shapeKey(request);
    const entry = merged.get(key);
    if (entry === undefined) merged.set(key, { request, weight: sample.weight });
    else entry.weight += sample.weight;
    total += sample.weight;
  }
  return [...merged.values()].map(({ request, weight }) => ({ ...request, probability: weight / total }));
}

/** One sample per request (weight 1 each): e.g. a trace's jobs, or the pending jobs of a cycle. */
export function workloadOf(requests: Iterable<ResourceRequest>): WorkloadSample[] {
  const samples: WorkloadSample[] = [];
  for (const resources of requests) samples.push({ resources, weight: 1 });
  return samples;
}

/** The shapes of running jobs (one sample per task), read back from their placements. */
export function workloadOfRunning(running: readonly RunningJob[]): WorkloadSample[] {
  return running.flatMap((job) =>
    job.placements.map((placement) => ({
      resources: {
        gpus: placement.gpuMilliPerGpu >= MILLI_PER_GPU ? placement.gpuIndices.length : 0,
        gpuMilli: placement.gpuMilliPerGpu < MILLI_PER_GPU ? placement.gpuMilliPerGpu : 0,
        gpuModel: [],
        cpuMilli: placement.cpuMilli,
        memoryMiB: placement.memoryMiB,
      },
      weight: 1,
    })),
  );
}

/** Whole GPUs win over a share, as everywhere in the core; the model list is sorted so order does not matter. */
function normalized(request: ResourceRequest): ResourceRequest {
  return {
    gpus: wantsWholeGpus(request) ? request.gpus : 0,
    gpuMilli: wantsGpuShare(request) ? request.gpuMilli : 0,
    gpuModel: [...request.gpuModel].sort(),
    cpuMilli: request.cpuMilli,
    memoryMiB: request.memoryMiB,
  };
}

function shapeKey(request: ResourceRequest): string {
  return `${request.gpus}/${request.gpuMilli}/${request.gpuModel.join('|')}/${request.cpuMilli}/${request.memoryMiB}`;
}
