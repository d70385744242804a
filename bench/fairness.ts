// Fairness and starvation, measured by replaying traces through the production core (queue mode):
//   1. Three shares with weights 1:1:2 keep a 128-GPU cluster saturated for a simulated day; each share's
//      GPU-hours over the day against its 1:1:2 target (acceptance: within 5%).
//   2. A lone 8-GPU job arrives at a 64-GPU cluster full of one-GPU jobs with 10,000 more queued in another
//      share; its start against the latest end (timeout) of the jobs running when it arrived (acceptance:
//      no later), with reservations and backfill on, and off for contrast.
import { DEFAULT_SCORER } from '../scheduler/core/index.ts';
import { seededRandom } from '../scheduler/core/rng.ts';
import type { NodeState } from '../scheduler/core/types.ts';
import { queueMetrics } from '../scheduler/sim/metrics.ts';
import { replayQueue } from '../scheduler/sim/replay.ts';
import type { TraceJob } from '../scheduler/sim/trace.ts';
import { machineDescription } from './machine.ts';

const DAY = 24 * 3600;

function cluster(nodes: number, gpusPerNode: number): NodeState[] {
  return Array.from({ length: nodes }, (_, n) => ({
    name: `node-${String(n).padStart(3, '0')}`,
    labels: {},
    gpus: Array.from({ length: gpusPerNode }, (_, index) => ({ index, model: 'A100', freeMilli: 1000 })),
    cpuMilliTotal: 128_000,
    cpuMilliFree: 128_000,
    memoryMiBTotal: 1_048_576,
    memoryMiBFree: 1_048_576,
  }));
}

function gpuJob(id: string, submitTime: number, duration: number, numGpu: number, share: string): TraceJob {
  return {
    id,
    submitTime,
    duration,
    numGpu,
    gpuMilli: 0,
    gpuModel: [],
    cpuMilli: 4000,
    memoryMiB: 16_384,
    share,
    queue: 'shared',
  };
}

export interface ShareRow {
  share: string;
  weight: number;
  gpuHours: number;
  targetGpuHours: number;
  /** gpuHours / target - 1, in percent. */
  deviationPct: number;
}

export interface WeightedShares {
  policy: string;
  clusterGpus: number;
  jobs: number;
  hours: number;
  rows: ShareRow[];
  maxDeviationPct: number;
  jainIndex?: number;
  seconds: number;
}

/**
 * Every 10 minutes each share submits 1- and 2-GPU jobs of 10–60 minutes worth about 80 GPUs of demand:
 * 240 GPUs offered for 128, so every share always waits, and the split is the scheduler's choice alone.
 */
export function weightedShares(seed = 1, policy = DEFAULT_SCORER, windowPerQueue = 0): WeightedShares {
  const started = performance.now();
  const weights: Record<string, number> = { a: 1, b: 1, c: 2 };
  const nodes = cluster(16, 8);
  const random = seededRandom(seed);
  const trace: TraceJob[] = [];
  const batchEvery = 600;
  const jobsPerBatch = 30; // × 1.5 GPUs × 35 min mean / 10 min ≈ 80 GPUs of demand per share
  for (let time = 0; time < DAY; time += batchEvery) {
    for (const share of Object.keys(weights)) {
      for (let i = 0; i < jobsPerBatch; i++) {
        const duration = 600 + Math.round(random() * 3000);
        trace.push(gpuJob(`${share}-${time}-${i}`, time, duration, random() < 0.5 ? 1 : 2, share));
      }
    }
  }
  // No look-ahead window: the backlog grows to thousands of jobs in one queue, and this measures the core's
  // fair-share order over all of them. With the service's window (256 per queue, by priority then submit
  // time) the core would only reorder the oldest 256, and the split would follow submit order instead.
  const result = replayQueue(nodes, trace, {
    policy,
    shareWeights: weights,
    horizonSeconds: DAY,
    windowPerQueue,
  });
  const metrics = queueMetrics(result, { shareWeights: weights });
  const total = Object.values(metrics.gpuHoursByShare).reduce((sum, value) => sum + value, 0);
  const weightSum = Object.values(weights).reduce((sum, value) => sum + value, 0);
  const rows = Object.entries(weights).map(([share, weight]) => {
    const gpuHours = metrics.gpuHoursByShare[share] ?? 0;
    const targetGpuHours = (total * weight) / weightSum;
    return { share, weight, gpuHours, targetGpuHours, deviationPct: 100 * (gpuHours / targetGpuHours - 1) };
  });
  return {
    policy,
    clusterGpus: result.clusterGpus,
    jobs: trace.length,
    hours: DAY / 3600,
    rows,
    maxDeviationPct: Math.max(...rows.map((row) => Math.abs(row.deviationPct))),
    jainIndex: metrics.jainIndex,
    seconds: (performance.now() - started) / 1000,
  };
}

export interface LoneBigJob {
  backfill: boolean;
  /** The 8-GPU job's share: `big` (its own, so fair share puts it first) or `small` (FIFO behind all). */
  share: string;
  /** When the 8-GPU job arrived and started, seconds. */
  submittedAt: number;
  startedAt?: number;
  /** The latest end of the jobs running when it arrived: the acceptance bound. */
  latestRunningEnd: number;
  withinBound: boolean;
  seconds: number;
}

/**
 * 10,000 one-GPU jobs (10–60 minutes, their duration is their timeout) of share `small` are queued at
 * t = 0 on 8 nodes × 8 GPUs; at t = 60 s the 8-GPU job arrives, in share `share`: `big` (its own) or
 * `small` (the same share and queue as the 10,000, so FIFO puts it behind all of them).
 */
export function loneBigJob(
  backfill: boolean,
  seed = 2,
  policy = DEFAULT_SCORER,
  windowPerQueue = 0,
  share = 'big',
): LoneBigJob {
  const started = performance.now();
  const random = seededRandom(seed);
  const trace = Array.from({ length: 10_000 }, (_, i) =>
    gpuJob(`small-${String(i).padStart(5, '0')}`, 0, 600 + Math.round(random() * 3000), 1, 'small'),
  );
  const submittedAt = 60;
  trace.push(gpuJob('big', submittedAt, 3600, 8, share));
  // The bound is at most an hour away; the replay need not drain the 10,000 jobs.
  const result = replayQueue(cluster(8, 8), trace, {
    policy,
    backfill,
    horizonSeconds: submittedAt + 4 * 3600,
    // No look-ahead window: with the service's (256 per queue, FIFO within a priority) the big job, behind
    // 10,000 jobs of the same queue, would not reach the core until they had all started.
    windowPerQueue,
  });
  const latestRunningEnd = result.runs
    .filter((run) => run.start <= submittedAt && run.end > submittedAt)
    .reduce(
      (latest, run) => Math.max(latest, run.start + (trace.find((j) => j.id === run.jobId)?.duration ?? 0)),
      0,
    );
  const startedAt = result.jobs.find((job) => job.id === 'big')?.startTime;
  return {
    backfill,
    share,
    submittedAt,
    startedAt,
    latestRunningEnd,
    withinBound: startedAt !== undefined && startedAt <= latestRunningEnd,
    seconds: (performance.now() - started) / 1000,
  };
}

export interface FairnessResult {
  machine: string;
  weightedShares: WeightedShares;
  loneBigJob: LoneBigJob[];
}

export function fairness(progress: (line: string) => void): FairnessResult {
  progress('fairness: three shares 1:1:2 on 128 GPUs for a simulated day');
  const shares = weightedShares();
  progress('fairness: a lone 8-GPU job behind 10,000 one-GPU jobs (own share, same share; backfill off)');
  return {
    machine: machineDescription(),
    weightedShares: shares,
    loneBigJob: [
      loneBigJob(true),
      loneBigJob(true, 2, DEFAULT_SCORER, 0, 'small'),
      loneBigJob(false),
      loneBigJob(false, 2, DEFAULT_SCORER, 0, 'small'),
    ],
  };
}

const minutes = (seconds: number | undefined) =>
  seconds === undefined ? 'never (within 4 h)' : `${(seconds / 60).toFixed(1)} min`;

export function fairnessTable(result: FairnessResult): string {
  const shares = result.weightedShares;
  const lines = [
    `machine: ${result.machine}`,
    `weighted shares: ${shares.jobs} jobs, ${shares.clusterGpus} GPUs, ${shares.hours} h, policy ${shares.policy} (${shares.seconds.toFixed(1)} s)`,
    'share  weight  GPU-hours  target   deviation',
    ...shares.rows.map(
      (row) =>
        `${row.share.padEnd(5)}  ${String(row.weight).padEnd(6)}  ${row.gpuHours.toFixed(1).padStart(9)}  ${row.targetGpuHours.toFixed(1).padStart(7)}  ${row.deviationPct.toFixed(2).padStart(8)}%`,
    ),
    `max deviation ${shares.maxDeviationPct.toFixed(2)}% (target <= 5%): ${shares.maxDeviationPct <= 5 ? 'PASS' : 'FAIL'}; Jain's index ${shares.jainIndex?.toFixed(4) ?? '-'}`,
    '',
    'lone 8-GPU job vs 10,000 queued one-GPU jobs (share small):',
    `${'backfill'.padEnd(9)}${'share'.padEnd(7)}${'arrived'.padEnd(10)}${'started'.padEnd(20)}${'bound'.padEnd(10)}verdict`,
    ...result.loneBigJob.map(
      (run) =>
        `${String(run.backfill).padEnd(9)}${run.share.padEnd(7)}${minutes(run.submittedAt).padEnd(10)}${minutes(run.startedAt).padEnd(20)}${minutes(run.latestRunningEnd).padEnd(10)}${run.withinBound ? 'PASS' : 'FAIL'} (${run.seconds.toFixed(1)} s)`,
    ),
    'bound: the latest end (start + timeout) of the jobs running when it arrived',
    'backfill false is the contrast: without a reservation the small jobs take every GPU that frees',
  ];
  return lines.join('\n');
}
