// What a queue-mode replay says about a policy: makespan, waits per queue and share, GPU allocation over
// time, GPU-hours per share and how fairly they were split (Jain's index over GPU-hours per unit weight).
import type { AllocationSample, JobOutcome, JobRun, QueueReplayResult } from './replay.ts';

export interface WaitStats {
  jobs: number;
  /** Jobs that started; waits are over these. */
  started: number;
  /** Seconds from submit to first start; undefined when none started. */
  p50?: number;
  p99?: number;
}

export interface AllocationPoint {
  /** Start of the bin, seconds. */
  time: number;
  /** Mean share of the cluster's GPUs allocated during the bin, 0..100. */
  allocatedPct: number;
}

export interface QueueMetrics {
  policy: string;
  clusterGpus: number;
  jobs: number;
  completed: number;
  neverStarted: number;
  stoppedBy: QueueReplayResult['stoppedBy'];
  /** Seconds from the first submit to the last completion. */
  makespan: number;
  /** Time-weighted mean GPU allocation from the first submit to the end of the replay, 0..100. */
  meanAllocatedPct: number;
  waitByQueue: Record<string, WaitStats>;
  waitByShare: Record<string, WaitStats>;
  /** GPU-hours held per share, preempted runs included (the capacity was used, if wasted). */
  gpuHoursByShare: Record<string, number>;
  /** Jain's index of GPU-hours / weight over the shares that asked for GPUs: 1 is perfectly fair. */
  jainIndex?: number;
  preemptions: number;
  cycles: number;
  allocationOverTime: AllocationPoint[];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

function waitStats(jobs: readonly JobOutcome[]): WaitStats {
  const waits = jobs
    .filter((job) => job.startTime !== undefined)
    .map((job) => job.startTime! - job.submitTime)
    .sort((a, b) => a - b);
  return { jobs: jobs.length, started: waits.length, p50: percentile(waits, 50), p99: percentile(waits, 99) };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Record<string, T[]> {
  const groups: Record<string, T[]> = {};
  for (const item of items) {
    const group = groups[key(item)];
    if (group === undefined) groups[key(item)] = [item];
    else group.push(item);
  }
  return Object.fromEntries(Object.entries(groups).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function mapValues<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));
}

export function gpuHoursByShare(runs: readonly JobRun[]): Record<string, number> {
  return mapValues(
    groupBy(runs, (run) => run.share),
    (group) => group.reduce((sum, run) => sum + (run.gpus * (run.end - run.start)) / 3600, 0),
  );
}

/** (Σx)² / (n·Σx²): 1 when all equal, 1/n when one has everything; undefined for no values or all zero. */
export function jainIndex(values: readonly number[]): number | undefined {
  const sum = values.reduce((a, b) => a + b, 0);
  const squares = values.reduce((a, b) => a + b * b, 0);
  return values.length === 0 || squares === 0 ? undefined : (sum * sum) / (values.length * squares);
}

/**
 * The step series averaged over `bins` equal bins of [from, to]: each point is the time-weighted mean
 * allocation during its bin, so short spikes are neither lost nor exaggerated.
 */
export function allocationOverTime(
  samples: readonly AllocationSample[],
  clusterGpus: number,
  from: number,
  to: number,
  bins: number,
): AllocationPoint[] {
  if (!(to > from) || clusterGpus === 0) return [{ time: from, allocatedPct: 0 }];
  const width = (to - from) / bins;
  const gpuSeconds = new Array<number>(bins).fill(0);
  const binOf = (time: number) => Math.min(bins - 1, Math.max(0, Math.floor((time - from) / width)));
  samples.forEach((sample, i) => {
    const start = Math.max(from, sample.time);
    const end = Math.min(to, samples[i + 1]?.time ?? to);
    // Overlap with each bin the step touches; bin edges are computed, never stepped to, so rounding
    // cannot stall the loop.
    for (let bin = binOf(start); bin <= binOf(end) && end > start; bin++) {
      const overlap = Math.min(end, from + (bin + 1) * width) - Math.max(start, from + bin * width);
      if (overlap > 0) gpuSeconds[bin]! += sample.allocatedGpus * overlap;
    }
  });
  return gpuSeconds.map((used, bin) => ({
    time: from + bin * width,
    allocatedPct: (100 * used) / (width * clusterGpus),
  }));
}

export interface MetricsOptions {
  /** Fair-share weights used in the replay; a missing share weighs 1. */
  shareWeights?: Record<string, number>;
  /** Points in allocationOverTime. Default 100. */
  bins?: number;
}

export function queueMetrics(result: QueueReplayResult, options: MetricsOptions = {}): QueueMetrics {
  // Loops, not Math.min(...spread): a trace may hold more jobs than a call may take arguments.
  const firstSubmit = result.jobs.reduce((min, job) => Math.min(min, job.submitTime), result.endTime);
  const lastCompletion = result.jobs.reduce((max, job) => Math.max(max, job.endTime ?? max), firstSubmit);
  const series = allocationOverTime(result.allocation, result.clusterGpus, firstSubmit, result.endTime, 1);
  const hours = gpuHoursByShare(result.runs);
  const gpuShares = [...new Set(result.jobs.filter((job) => job.gpus > 0).map((job) => job.share))].sort();
  const weight = (share: string) => options.shareWeights?.[share] ?? 1;
  return {
    policy: result.policy,
    clusterGpus: result.clusterGpus,
    jobs: result.jobs.length,
    completed: result.jobs.filter((job) => job.endTime !== undefined).length,
    neverStarted: result.jobs.filter((job) => job.startTime === undefined).length,
    stoppedBy: result.stoppedBy,
    makespan: lastCompletion - firstSubmit,
    meanAllocatedPct: series[0]!.allocatedPct,
    waitByQueue: mapValues(
      groupBy(result.jobs, (job) => job.queue),
      waitStats,
    ),
    waitByShare: mapValues(
      groupBy(result.jobs, (job) => job.share),
      waitStats,
    ),
    gpuHoursByShare: hours,
    jainIndex: jainIndex(gpuShares.map((share) => (hours[share] ?? 0) / weight(share))),
    preemptions: result.preemptions,
    cycles: result.cycles,
    allocationOverTime: allocationOverTime(
      result.allocation,
      result.clusterGpus,
      firstSubmit,
      result.endTime,
      options.bins ?? 100,
    ),
  };
}
