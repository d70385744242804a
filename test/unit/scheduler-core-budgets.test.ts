// GPU-hour budgets in the pure core: the caller says which shares are over budget; their jobs wait.
import test from 'ava';
import fc from 'fast-check';
import {
  type BudgetExhaustion,
  describeReason,
  estimateStarts,
  schedule,
} from '../../scheduler/core/index.ts';
import { utcMinute } from '../../scheduler/core/utc.ts';
import { cluster, gpuNode, gpuNodes, job, oneGpuJobs, runningJob, snapshot } from '../support/builders.ts';

const HOUR = 3_600_000;

const spent: BudgetExhaustion = {
  usedGpuHours: 100,
  budgetGpuHours: 100,
  windowHours: 24,
  underAt: 5 * HOUR,
};

test('jobs of a share over budget stay pending with the budget reason while another share is placed', (t) => {
  const result = schedule(
    snapshot(gpuNode({ gpus: 8 })),
    [...oneGpuJobs('a', 4), ...oneGpuJobs('b', 4, 100)],
    {
      overBudget: { a: spent },
    },
  );
  t.deepEqual(result.placements.map((p) => p.jobId).sort(), ['b-0', 'b-1', 'b-2', 'b-3']);
  t.deepEqual(
    result.unschedulable.map((u) => [u.jobId, u.reason.kind]),
    [
      ['a-0', 'BudgetExhausted'],
      ['a-1', 'BudgetExhausted'],
      ['a-2', 'BudgetExhausted'],
      ['a-3', 'BudgetExhausted'],
    ],
  );
});

test('the reason names the share, its usage, the window and when capacity comes back', (t) => {
  const result = schedule(snapshot(gpuNode()), oneGpuJobs('team-a', 1), {
    overBudget: { 'team-a': { ...spent, underAt: Date.parse('2026-11-28T14:00:00Z') } },
  });
  const reason = result.unschedulable[0]!.reason;
  t.is(
    describeReason(reason),
    'BudgetExhausted: share "team-a" used 100.0 of 100 GPU-hours in the last 24 h; next capacity at 2026-11-28T14:00Z',
  );
});

test('a tiny budget is shown with its own digits, a short window in seconds', (t) => {
  const reason = schedule(snapshot(gpuNode()), oneGpuJobs('a', 1), {
    overBudget: { a: { usedGpuHours: 0.00111, budgetGpuHours: 0.001, windowHours: 3 / 3600 } },
  }).unschedulable[0]!.reason;
  t.is(describeReason(reason), 'BudgetExhausted: share "a" used 0.001 of 0.001 GPU-hours in the last 3 s');
});

test('a share exactly at its budget is over budget (the caller says so) and starts nothing', (t) => {
  const atBudget: BudgetExhaustion = { usedGpuHours: 10, budgetGpuHours: 10, windowHours: 1 };
  const result = schedule(snapshot(gpuNode({ gpus: 8 })), oneGpuJobs('a', 2), {
    overBudget: { a: atBudget },
  });
  t.deepEqual(result.placements, []);
  t.is(result.unschedulable.length, 2);
});

test('no budget given: the cycle is the same as without the option', (t) => {
  const pending = [...oneGpuJobs('a', 6), ...oneGpuJobs('b', 6, 100)];
  const nodes = snapshot(gpuNode({ gpus: 8 }));
  t.deepEqual(schedule(nodes, pending, { overBudget: {} }), schedule(nodes, pending));
  t.deepEqual(schedule(nodes, pending, { overBudget: { c: spent } }), schedule(nodes, pending));
});

test('from its underAt on, a share counts as under budget again', (t) => {
  const at = { ...snapshot(gpuNode()), now: 5 * HOUR };
  const result = schedule(at, oneGpuJobs('a', 1), { overBudget: { a: spent } });
  t.deepEqual(
    result.placements.map((p) => p.jobId),
    ['a-0'],
  );
});

test('jobs without a share are never budgeted', (t) => {
  const result = schedule(snapshot(gpuNode()), [job().id('plain').gpus(1).build()], {
    overBudget: { '': spent },
  });
  t.is(result.placements.length, 1);
});

test('a job of a share over budget reserves nothing: a smaller job of another share backfills', (t) => {
  // One 8-GPU node, 4 GPUs held until 100. Without the budget the 8-GPU job of `a` would reserve the node
  // and the long 4-GPU job of `b` (ending after 100) could not start now.
  const running = [runningJob().id('r').on('node-0', [0, 1, 2, 3]).endsAt(100).build()];
  const now = cluster(gpuNodes(1, { gpus: 8 }), running);
  const pending = [
    job().id('big').share('a').submittedAt(1).gpus(8).expectedDuration(50).build(),
    job().id('long').share('b').submittedAt(2).gpus(4).expectedDuration(1000).build(),
  ];
  const within = schedule(now, pending);
  t.deepEqual(
    within.placements.map((p) => p.jobId),
    [],
    'baseline: the reservation for big keeps long off',
  );
  const over = schedule(now, pending, { overBudget: { a: spent } });
  t.deepEqual(
    over.placements.map((p) => p.jobId),
    ['long'],
  );
  t.deepEqual(over.reservations, []);
});

test('a job of a share over budget does not preempt', (t) => {
  const running = [runningJob().id('victim').preemptible().on('node-0', [0, 1, 2, 3, 4, 5, 6, 7]).build()];
  const urgent = job().id('urgent').share('a').priority(10).queuePriority(10).canPreempt().gpus(8).build();
  const now = cluster(gpuNodes(1, { gpus: 8 }), running);
  t.is(schedule(now, [urgent]).preemptions?.length, 1, 'baseline: it would preempt');
  t.deepEqual(schedule(now, [urgent], { overBudget: { a: spent } }).preemptions, []);
});

test('the forecast does not start a share over budget before its budget frees', (t) => {
  const pending = [...oneGpuJobs('a', 1), ...oneGpuJobs('b', 1)];
  const estimates = estimateStarts({ ...snapshot(gpuNode()), now: 0 }, pending, {
    overBudget: { a: { ...spent, underAt: 2 * HOUR } },
  });
  t.deepEqual(estimates, { 'a-0': 2 * HOUR, 'b-0': 0 });
  const unknown = estimateStarts(snapshot(gpuNode()), pending, {
    overBudget: { a: { usedGpuHours: 1, budgetGpuHours: 1, windowHours: 1 } },
  });
  t.deepEqual(unknown, { 'a-0': undefined, 'b-0': 0 }, 'no start promised when the release is not known');
});

test('times in the reason are UTC, to the minute or to the second, as Date would print them', (t) => {
  for (const at of [
    0, 951_782_400_000, 1_796_486_400_000, 1_796_486_405_000, 4_107_542_399_000, 1_796_486_404_001,
  ]) {
    const reason = schedule({ ...snapshot(gpuNode()), now: at - 1 }, oneGpuJobs('a', 1), {
      overBudget: { a: { ...spent, underAt: at } },
    }).unschedulable[0]!.reason;
    const iso = new Date(Math.ceil(at / 1000) * 1000).toISOString();
    const expected = iso.endsWith(':00.000Z') ? `${iso.slice(0, 16)}Z` : `${iso.slice(0, 19)}Z`;
    t.true(
      describeReason(reason).endsWith(`next capacity at ${expected}`),
      `${at}: ${describeReason(reason)}`,
    );
  }
});

test('the UTC text matches Date for any time from 1970 to 9999', (t) => {
  const asDate = (ms: number) => {
    const iso = new Date(Math.ceil(ms / 1000) * 1000).toISOString();
    return iso.endsWith(':00.000Z') ? `${iso.slice(0, 16)}Z` : `${iso.slice(0, 19)}Z`;
  };
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_000 }), (ms) => utcMinute(ms) === asDate(ms)),
      { numRuns: 2000 },
    ),
  );
});
