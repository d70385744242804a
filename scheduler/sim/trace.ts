// The simulator's vocabulary: a job of a trace (times in seconds, as in the CSV formats), and how a trace
// job becomes a PendingJob for the production core.
import type { PendingJob } from '../core/types.ts';

export interface TraceJob {
  id: string;
  /** Seconds from the start of the trace. */
  submitTime: number;
  /** Seconds; undefined means the job never ends. */
  duration?: number;
  /** Whole GPUs (0 for a share or a CPU-only job). */
  numGpu: number;
  /** A share of one GPU, 1..999, when numGpu is 0; else 0. */
  gpuMilli: number;
  /** Allowed GPU models; empty means any. */
  gpuModel: string[];
  cpuMilli: number;
  memoryMiB: number;
  queue?: string;
  share?: string;
  priority?: number;
  /** Gang size; 1 when absent. */
  nodes?: number;
}

/** The job as the core sees it when it is pending at `nowMs`. */
export function toPendingJob(job: TraceJob): PendingJob {
  return {
    id: job.id,
    queue: job.queue ?? 'default',
    priority: job.priority ?? 0,
    submittedAt: job.submitTime * 1000,
    resources: {
      gpus: job.numGpu,
      gpuMilli: job.gpuMilli,
      gpuModel: job.gpuModel,
      cpuMilli: job.cpuMilli,
      memoryMiB: job.memoryMiB,
    },
    share: job.share ?? '',
    nodes: job.nodes ?? 1,
    expectedDurationMs: job.duration === undefined ? undefined : job.duration * 1000,
  };
}
