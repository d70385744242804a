// GPU-hour budgets on the leader: usage in a rolling window of fixed-width buckets, charged from running work.
import test from 'ava';
import { BUCKETS_PER_WINDOW, BudgetLedger } from '../../scheduler/budget-ledger.ts';
import { BudgetTracker } from '../../scheduler/budget-tracker.ts';
import { runningJob } from '../support/builders.ts';

const HOUR = 3_600_000;
/** A 1 h window has 1-minute buckets. */
const BUCKET = HOUR / BUCKETS_PER_WINDOW;

test('usage slides out of the window: a charge counts for one window, then it is gone', (t) => {
  const ledger = new BudgetLedger({ a: { gpuHours: 10, windowHours: 1 } });
  ledger.charge('a', 4, 0, 30 * 60_000); // 4 GPUs for 30 minutes = 2 GPU-hours
  t.is(ledger.usedGpuSeconds('a', 30 * 60_000), 2 * 3600);
  t.is(ledger.usedGpuSeconds('a', HOUR - 1), 2 * 3600, 'all of it within the hour');
  // The first minute's bucket leaves at 1 h, the last one (29-30 min) at 1 h 30 min.
  t.is(ledger.usedGpuSeconds('a', HOUR), 2 * 3600 - 4 * 60);
  t.is(ledger.usedGpuSeconds('a', HOUR + 15 * 60_000), 4 * 60 * 14);
  t.is(ledger.usedGpuSeconds('a', HOUR + 30 * 60_000), 0);
});

test('a share at its budget is over budget, and says when it is back under', (t) => {
  const ledger = new BudgetLedger({ a: { gpuHours: 1, windowHours: 1 } });
  ledger.charge('a', 2, 0, 30 * 60_000); // exactly 1 GPU-hour
  const [usage] = ledger.usage(30 * 60_000);
  t.like(usage, { share: 'a', usedGpuHours: 1, budgetGpuHours: 1, exhausted: true });
  t.is(usage!.underAt, HOUR, 'when the first minute leaves the window, it has used less than 1 GPU-hour');
  t.deepEqual(Object.keys(ledger.overBudget(HOUR - 1)), ['a']);
  t.deepEqual(ledger.overBudget(HOUR), {});
});

test('usage lists every share named in the budgets, with or without usage', (t) => {
  const ledger = new BudgetLedger({
    a: { gpuHours: 1, windowHours: 1 },
    '*': { gpuHours: 1, windowHours: 1 },
  });
  t.deepEqual(ledger.usage(0), [
    { share: 'a', usedGpuHours: 0, budgetGpuHours: 1, windowHours: 1, exhausted: false },
  ]);
});

test('a share under its budget is not over budget', (t) => {
  const ledger = new BudgetLedger({ a: { gpuHours: 1, windowHours: 1 } });
  ledger.charge('a', 1, 0, 59 * 60_000);
  t.deepEqual(ledger.overBudget(59 * 60_000), {});
  t.false(ledger.usage(59 * 60_000)[0]!.exhausted);
});

test('the * budget applies to each share without its own, separately; jobs without a share are free', (t) => {
  const ledger = new BudgetLedger({
    '*': { gpuHours: 1, windowHours: 1 },
    big: { gpuHours: 100, windowHours: 1 },
  });
  ledger.charge('x', 2, 0, 30 * 60_000);
  ledger.charge('y', 1, 0, 30 * 60_000);
  ledger.charge('big', 8, 0, 30 * 60_000);
  ledger.charge('', 8, 0, 30 * 60_000);
  t.deepEqual(Object.keys(ledger.overBudget(30 * 60_000)), ['x']);
  t.deepEqual(
    ledger.usage(30 * 60_000).map((u) => u.share),
    ['big', 'x', 'y'],
  );
});

test('a charge across buckets is spread by time: GPU shares count as a fraction of a GPU', (t) => {
  const ledger = new BudgetLedger({ a: { gpuHours: 1, windowHours: 1 } });
  ledger.charge('a', 0.5, BUCKET / 2, BUCKET * 2.5); // 2 bucket-widths at half a GPU
  const saved = ledger.toSave();
  t.deepEqual(saved.shares['a']!.buckets, [
    [0, 15],
    [1, 30],
    [2, 15],
  ]);
});

test('saved usage continues in a new ledger; a changed window re-buckets it, a removed budget drops it', (t) => {
  const ledger = new BudgetLedger({ a: { gpuHours: 1, windowHours: 1 }, b: { gpuHours: 1, windowHours: 1 } });
  ledger.charge('a', 1, 0, 10 * 60_000);
  ledger.charge('b', 1, 0, 10 * 60_000);
  const saved = JSON.parse(JSON.stringify(ledger.toSave()));

  const same = new BudgetLedger({ a: { gpuHours: 1, windowHours: 1 }, b: { gpuHours: 1, windowHours: 1 } });
  same.restore(saved);
  t.is(same.usedGpuSeconds('a', 10 * 60_000), 600);

  const changed = new BudgetLedger({ a: { gpuHours: 1, windowHours: 2 } });
  changed.restore(saved);
  t.is(changed.usedGpuSeconds('a', 10 * 60_000), 600, 'same usage, in 2-minute buckets');
  t.is(changed.usedGpuSeconds('b', 10 * 60_000), 0, 'b has no budget any more');
  t.deepEqual(Object.keys(changed.toSave().shares), ['a']);
});

test('the tracker charges running jobs up to each cycle and the rest when they release', (t) => {
  const tracker = new BudgetTracker({ a: { gpuHours: 1, windowHours: 1 } });
  const job = runningJob().id('r').share('a').on('n', [0, 1]).startedAt(0).build();
  t.deepEqual(tracker.advance([job], 10 * 60_000), {}, '2 GPUs × 10 min = 1/3 GPU-hour');
  t.deepEqual(tracker.advance([job], 20 * 60_000), {});
  tracker.released(job, 30 * 60_000);
  const [usage] = tracker.usage(30 * 60_000);
  t.is(usage!.usedGpuHours, 1);
  t.true(usage!.exhausted);
  t.deepEqual(Object.keys(tracker.advance([], 30 * 60_000)), ['a']);
});

test('a GPU share is charged as gpuMilli / 1000 of a GPU', (t) => {
  const tracker = new BudgetTracker({ a: { gpuHours: 1, windowHours: 1 } });
  tracker.released(runningJob().id('r').share('a').shareOn('n', 0, 250).startedAt(0).build(), 40 * 60_000);
  t.is(tracker.usage(40 * 60_000)[0]!.usedGpuHours * 3600, 600, 'a quarter GPU for 40 min = 10 GPU-minutes');
});
