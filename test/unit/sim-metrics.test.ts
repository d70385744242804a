// Queue-mode metrics: percentiles, Jain's index, GPU-hours per share and allocation over time, from
// hand-built replay results whose right answers are easy to see.
import test from 'ava';
import {
  allocationOverTime,
  gpuHoursByShare,
  jainIndex,
  percentile,
  queueMetrics,
} from '../../scheduler/sim/metrics.ts';
import type { JobOutcome, JobRun, QueueReplayResult } from '../../scheduler/sim/replay.ts';

test('percentiles are nearest-rank over sorted values', (t) => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);

  t.is(percentile(values, 50), 50);
  t.is(percentile(values, 99), 99);
  t.is(percentile([7], 99), 7);
  t.is(percentile([], 50), undefined);
});

test("Jain's index is 1 for equal values and 1/n when one value has everything", (t) => {
  t.is(jainIndex([3, 3, 3]), 1);
  t.is(jainIndex([9, 0, 0]), 1 / 3);
  t.is(jainIndex([1, 2]), 9 / 10);
  t.is(jainIndex([]), undefined);
  t.is(jainIndex([0, 0]), undefined);
});

function run(
  share: string,
  start: number,
  end: number,
  gpus: number,
  outcome: JobRun['outcome'] = 'completed',
) {
  return { jobId: `${share}-${start}`, queue: 'q', share, start, end, gpus, outcome };
}

test('GPU-hours per share sum GPUs × hours over every run, preempted ones included', (t) => {
  const runs = [run('a', 0, 3600, 2), run('a', 3600, 5400, 1, 'preempted'), run('b', 0, 7200, 0.5)];

  t.deepEqual(gpuHoursByShare(runs), { a: 2.5, b: 1 });
});

test('allocation over time is the time-weighted mean of the step series in each bin', (t) => {
  // 4 GPUs: all busy for 0..10, half for 10..30, idle after.
  const samples = [
    { time: 0, allocatedGpus: 4 },
    { time: 10, allocatedGpus: 2 },
    { time: 30, allocatedGpus: 0 },
  ];

  t.deepEqual(allocationOverTime(samples, 4, 0, 40, 2), [
    { time: 0, allocatedPct: 75 },
    { time: 20, allocatedPct: 25 },
  ]);
  t.deepEqual(allocationOverTime(samples, 4, 0, 40, 1), [{ time: 0, allocatedPct: 50 }]);
});

function outcome(
  id: string,
  queue: string,
  share: string,
  submit: number,
  start?: number,
  end?: number,
): JobOutcome {
  return { id, queue, share, submitTime: submit, gpus: 1, startTime: start, endTime: end, preemptions: 0 };
}

test('queue metrics: makespan, waits per queue and share, GPU-hours and fairness by weight', (t) => {
  const result: QueueReplayResult = {
    policy: 'best-fit',
    clusterGpus: 2,
    jobs: [
      outcome('a1', 'train', 'a', 0, 0, 3600),
      outcome('a2', 'train', 'a', 0, 3600, 7200),
      outcome('b1', 'infer', 'b', 100, 100, 7300),
      outcome('b2', 'infer', 'b', 200, undefined, undefined),
    ],
    runs: [run('a', 0, 3600, 1), run('a', 3600, 7200, 1), run('b', 100, 7300, 1)],
    allocation: [
      { time: 0, allocatedGpus: 1 },
      { time: 100, allocatedGpus: 2 },
      { time: 7200, allocatedGpus: 1 },
      { time: 7300, allocatedGpus: 0 },
    ],
    preemptions: 0,
    cycles: 5,
    endTime: 7300,
    stoppedBy: 'stalled',
  };

  const metrics = queueMetrics(result, { shareWeights: { b: 2 }, bins: 4 });

  t.is(metrics.makespan, 7300);
  t.deepEqual(metrics.waitByQueue, {
    infer: { jobs: 2, started: 1, p50: 0, p99: 0 },
    train: { jobs: 2, started: 2, p50: 0, p99: 3600 },
  });
  t.deepEqual(Object.keys(metrics.waitByShare), ['a', 'b']);
  t.deepEqual(metrics.gpuHoursByShare, { a: 2, b: 2 });
  // a: 2 GPU-hours / weight 1, b: 2 GPU-hours / weight 2 → (2 + 1)² / (2 · (4 + 1)) = 0.9
  t.is(metrics.jainIndex, 0.9);
  t.like(metrics, { completed: 3, neverStarted: 1, jobs: 4, stoppedBy: 'stalled' });
  t.is(metrics.allocationOverTime.length, 4);
  // 1 GPU for 100 s, 2 for 7100 s, 1 for 100 s: 14,400 GPU-seconds of 2 × 7300.
  t.true(Math.abs(metrics.meanAllocatedPct - (100 * 14_400) / (2 * 7300)) < 1e-9);
});
