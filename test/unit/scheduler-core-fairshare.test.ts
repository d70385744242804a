import test from 'ava';
import { accrueUsage, decayUsage, runningDominantShares, schedule } from '../../scheduler/core/index.ts';
import { cluster, gpuNode, job, oneGpuJobs, runningJob, snapshot } from '../support/builders.ts';

function placedPerShare(placements: readonly { jobId: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { jobId } of placements) {
    const share = jobId.split('-')[0]!;
    counts[share] = (counts[share] ?? 0) + 1;
  }
  return counts;
}

test('two shares of equal weight split free GPUs evenly, even when one share submitted everything first', (t) => {
  const result = schedule(snapshot(gpuNode({ gpus: 8 })), [
    ...oneGpuJobs('a', 8),
    ...oneGpuJobs('b', 8, 100),
  ]);
  t.deepEqual(placedPerShare(result.placements), { a: 4, b: 4 });
});

test('weights divide the cluster: weight 3 gets three times the GPUs of weight 1', (t) => {
  const result = schedule(snapshot(gpuNode({ gpus: 8 })), [...oneGpuJobs('a', 8), ...oneGpuJobs('b', 8)], {
    fairShare: { weights: { b: 3 }, usage: {} },
  });
  t.deepEqual(placedPerShare(result.placements), { a: 2, b: 6 });
});

test('running work counts: a share already holding GPUs waits while another share catches up', (t) => {
  const nodes = [gpuNode({ name: 'n', gpus: 8 })];
  const running = [runningJob().id('a-running').share('a').on('n', [0, 1, 2, 3]).build()];
  const result = schedule(cluster(nodes, running), [...oneGpuJobs('a', 4), ...oneGpuJobs('b', 4, 100)]);
  t.deepEqual(placedPerShare(result.placements), { b: 4 });
});

test('decayed past usage counts: the share that used more recently goes after the one that used less', (t) => {
  const result = schedule(
    snapshot(gpuNode({ gpus: 2 })),
    [...oneGpuJobs('a', 2), ...oneGpuJobs('b', 2, 100)],
    {
      fairShare: { weights: {}, usage: { a: 50, b: 10 } },
    },
  );
  t.deepEqual(placedPerShare(result.placements), { b: 2 });
});

test('fairness is on the dominant resource: a CPU-heavy share counts its CPU, not its few GPUs', (t) => {
  // 8 GPUs and 64 cores: each "cpu" job takes 1 GPU (1/8) but 16 cores (1/4), so it counts as a quarter.
  const pending = [
    ...Array.from({ length: 4 }, (_, n) =>
      job().id(`cpu-${n}`).share('cpu').submittedAt(n).gpus(1).cpu(16_000).build(),
    ),
    ...Array.from({ length: 8 }, (_, n) =>
      job().id(`gpu-${n}`).share('gpu').submittedAt(n).gpus(1).cpu(1000).build(),
    ),
  ];
  const result = schedule(snapshot(gpuNode({ gpus: 8, cpuMilli: 64_000 })), pending);
  // A cpu job counts 1/4 (its CPU), a gpu job 1/8: the lowest value goes next, ties to the first name.
  // cpu .25 | gpu .125, .25 | cpu .5 | gpu .375, .5 | cpu .75 | gpu .625 and the GPUs are gone.
  // Counting GPUs alone would have split them 4:4.
  t.deepEqual(placedPerShare(result.placements), { cpu: 3, gpu: 5 });
});

test('queue priority comes before fair share: a priority queue is served first even for a share ahead', (t) => {
  const urgent = Array.from({ length: 4 }, (_, n) =>
    job()
      .id(`a-urgent-${n}`)
      .share('a')
      .queuePriority(5)
      .submittedAt(100 + n)
      .gpus(1)
      .build(),
  );
  const result = schedule(snapshot(gpuNode({ gpus: 4 })), [...oneGpuJobs('b', 4), ...urgent], {
    fairShare: { weights: {}, usage: { a: 1000 } },
  });
  t.deepEqual(placedPerShare(result.placements), { a: 4 });
});

test('within a share, job priority then submission time decide', (t) => {
  const result = schedule(snapshot(gpuNode({ gpus: 2 })), [
    job().id('early-low').share('a').submittedAt(1).priority(0).gpus(1).build(),
    job().id('late-high').share('a').submittedAt(9).priority(5).gpus(1).build(),
    job().id('early-high').share('a').submittedAt(2).priority(5).gpus(1).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => p.jobId),
    ['early-high', 'late-high'],
  );
});

test('a share whose next job does not fit does not hold back the other shares', (t) => {
  const result = schedule(snapshot(gpuNode({ gpus: 4 })), [
    job().id('a-huge').share('a').gpus(8).build(),
    ...oneGpuJobs('b', 2),
    job().id('a-small').share('a').submittedAt(5).gpus(1).build(),
  ]);
  t.deepEqual(placedPerShare(result.placements), { a: 1, b: 2 });
});

test('decayUsage halves usage every half-life and leaves its input alone', (t) => {
  const usage = { a: 100, b: 8 };
  t.deepEqual(decayUsage(usage, 1000, 1000), { a: 50, b: 4 });
  t.deepEqual(decayUsage(usage, 3000, 1000), { a: 12.5, b: 1 });
  t.deepEqual(decayUsage(usage, 0, 1000), usage);
  t.deepEqual(usage, { a: 100, b: 8 });
});

test('decayUsage forgets shares whose usage has decayed to nothing', (t) => {
  t.deepEqual(decayUsage({ gone: 1e-6, kept: 1 }, 20_000, 1000), { kept: 0.5 ** 20 });
});

test('accrueUsage adds each share its dominant share times the seconds elapsed', (t) => {
  const nodes = [gpuNode({ name: 'n', gpus: 8, cpuMilli: 64_000 })];
  const running = [
    runningJob().share('a').on('n', [0, 1]).build(), // 2/8 GPUs
    runningJob().share('b').on('n', [2], { cpuMilli: 32_000 }).build(), // half the CPU
  ];
  const input = cluster(nodes, running);
  t.deepEqual(runningDominantShares(input), { a: 0.25, b: 0.5 });
  const before = { a: 1, c: 3 };
  t.deepEqual(accrueUsage(before, input, 10_000), { a: 1 + 2.5, b: 5, c: 3 });
  t.deepEqual(before, { a: 1, c: 3 });
});

test('with halfLifeMs, past usage reads as an average dominant share, comparable to what runs now', (t) => {
  // Share a ran half the cluster steadily: its decayed usage is 0.5 * mean lifetime (halfLife / ln 2).
  const halfLifeMs = 3_600_000;
  const steadyHalf = (0.5 * halfLifeMs) / 1000 / Math.LN2;
  const nodes = [gpuNode({ name: 'n', gpus: 8 })];
  // Share b runs 6 of 8 GPUs now (0.75) but has no history; a has history 0.5 and nothing running.
  const running = [runningJob().share('b').on('n', [0, 1, 2, 3, 4, 5]).build()];
  const pending = [...oneGpuJobs('a', 1), ...oneGpuJobs('b', 1)];
  const fairShare = { weights: {}, usage: { a: steadyHalf }, halfLifeMs };
  const result = schedule(cluster(nodes, running), pending, { fairShare });
  t.deepEqual(
    result.placements.map((p) => p.jobId),
    ['a-0', 'b-0'],
  );
  // Without the half-life the raw dominant-share-seconds dwarf the 0.75 running now: b goes first.
  const raw = schedule(cluster(nodes, running), pending, {
    fairShare: { weights: {}, usage: { a: steadyHalf } },
  });
  t.deepEqual(
    raw.placements.map((p) => p.jobId),
    ['b-0', 'a-0'],
  );
});
