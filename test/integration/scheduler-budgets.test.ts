// GPU-hour budgets through the running service: a share over its budget waits, and runs again once its
// usage leaves the rolling window. Real clock, tiny budgets and short windows, so the test stays fast.
import test from 'ava';
import { savedBudgetUsage } from '../../scheduler/budget-usage-reader.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { gpuNodes } from '../support/builders.ts';
import { success } from '../support/fake-executor.ts';
import { schedulerStackPerTest } from '../support/scheduler-stack.ts';

const stack = schedulerStackPerTest(test);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 0.001 GPU-hours = 3.6 GPU-seconds: 4 GPUs for one second use it up. */
const TINY = 0.001;

test.serial(
  'a share over its budget waits with the budget reason while another share runs, then runs once the window moves',
  async (t) => {
    const harness = await stack.start(gpuNodes(1, { gpus: 4 }), {
      budgets: { 'team-a': { gpuHours: TINY, windowHours: 2 / 3600 } },
    });
    const first = await harness.submit({ shareIdentifier: 'team-a', resources: { gpus: 4 } });
    const running = await harness.executor.started(first.id);
    await sleep(1000);
    // Its capacity is released after this: ≥ 4 GPU-seconds, all within the last 2 s.
    const endedAt = Date.now();
    running.settle(success());
    await harness.waitForStatus(first.id, 'SUCCEEDED');

    const next = await harness.submit({ shareIdentifier: 'team-a', resources: { gpus: 1 } });
    const other = await harness.submit({ shareIdentifier: 'team-b', resources: { gpus: 1 } });
    await harness.executor.started(other.id);
    const waiting = await harness.waitFor(
      next.id,
      (r) => r.statusReason.startsWith('BudgetExhausted'),
      'the budget reason',
    );
    t.regex(
      waiting.statusReason,
      /^BudgetExhausted: share "team-a" used 0\.00\d of 0\.001 GPU-hours in the last 2 s; next capacity at \d{4}-\d\d-\d\dT[\d:]+Z$/,
    );
    t.false(harness.executor.isRunning(next.id));
    t.like(
      harness.scheduler.budgetUsage().find((u) => u.share === 'team-a'),
      { exhausted: true, budgetGpuHours: TINY },
    );

    // No event wakes the loop: the budget's own release must.
    await harness.executor.started(next.id);
    const waited = Date.now() - endedAt;
    t.true(waited >= 900, `it waited for its usage to leave the 2 s window (${waited} ms)`);
  },
);

test.serial(
  'a running job uses the budget while it runs, and is not stopped when the share goes over',
  async (t) => {
    const harness = await stack.start(gpuNodes(1, { gpus: 8 }), {
      budgets: { 'team-a': { gpuHours: TINY, windowHours: 1 } },
    });
    const long = await harness.submit({ shareIdentifier: 'team-a', resources: { gpus: 4 } });
    const running = await harness.executor.started(long.id);
    await sleep(1000);
    const next = await harness.submit({ shareIdentifier: 'team-a', resources: { gpus: 1 } });
    await harness.waitFor(next.id, (r) => r.statusReason.startsWith('BudgetExhausted'), 'the budget reason');
    t.true(harness.executor.isRunning(long.id), 'the running job of the share goes on');
    t.false(harness.executor.isRunning(next.id), 'free GPUs, but the share is over budget');
    running.settle(success());
    await harness.waitForStatus(long.id, 'SUCCEEDED');
  },
);

test.serial('jobs of a share over budget ask the autoscaler for no nodes', async (t) => {
  const harness = await stack.start(gpuNodes(1, { gpus: 4 }), {
    budgets: { 'team-a': { gpuHours: TINY, windowHours: 1 } },
  });
  const first = await harness.submit({ shareIdentifier: 'team-a', resources: { gpus: 4 } });
  const running = await harness.executor.started(first.id);
  await sleep(1000);
  running.settle(success());
  await harness.waitForStatus(first.id, 'SUCCEEDED');
  const blocker = await harness.submit({ shareIdentifier: 'team-b', resources: { gpus: 4 } });
  await harness.executor.started(blocker.id);

  const overBudget = await harness.submit({ shareIdentifier: 'team-a', resources: { gpus: 4 } });
  await harness.waitFor(
    overBudget.id,
    (r) => r.statusReason.startsWith('BudgetExhausted'),
    'the budget reason',
  );
  t.is(harness.scheduler.publishScaleSignal().nodesWanted, 0);

  const withinBudget = await harness.submit({ shareIdentifier: 'team-c', resources: { gpus: 4 } });
  // A reason from a placement cycle (not the queue's "waiting in queue"): the leader has seen the job.
  await harness.waitFor(
    withinBudget.id,
    (r) => r.status === 'RUNNABLE' && !r.statusReason.startsWith('waiting in queue'),
    'a reason from the placement loop',
  );
  t.is(harness.scheduler.publishScaleSignal().nodesWanted, 1, 'a job of another share does');
});

test.serial('budget usage survives a leader change', async (t) => {
  const budgets = { 'team-a': { gpuHours: TINY, windowHours: 1 } };
  let harness = await stack.start(gpuNodes(1, { gpus: 4 }), { budgets });
  const first = await harness.submit({ shareIdentifier: 'team-a', resources: { gpus: 4 } });
  const running = await harness.executor.started(first.id);
  await sleep(1000);
  running.settle(success());
  await harness.waitForStatus(first.id, 'SUCCEEDED');
  await harness.stop();

  // A process that does not lead (role api) reads what the leader saved.
  const client = connect(stack.redis.url);
  const saved = await savedBudgetUsage(new JobStore(client), budgets, Date.now());
  client.disconnect();
  t.like(saved[0], { share: 'team-a', exhausted: true, budgetGpuHours: TINY });

  harness = await stack.restart();
  const next = await harness.submit({ shareIdentifier: 'team-a', resources: { gpus: 1 } });
  const waiting = await harness.waitFor(
    next.id,
    (r) => r.statusReason.startsWith('BudgetExhausted'),
    'the budget reason after the restart',
  );
  t.regex(waiting.statusReason, /in the last 1 h; next capacity at /);
  t.false(harness.executor.isRunning(next.id));
});

test.serial('the leader saves usage while jobs run and none wait, so a crash loses little', async (t) => {
  const budgets = { 'team-a': { gpuHours: 1, windowHours: 1 } };
  const harness = await stack.start(gpuNodes(1, { gpus: 4 }), {
    budgets,
    budgetSaveIntervalMs: 100,
  });
  const job = await harness.submit({ shareIdentifier: 'team-a', resources: { gpus: 4 } });
  const running = await harness.executor.started(job.id);
  await sleep(600);
  const client = connect(stack.redis.url);
  const [saved] = await savedBudgetUsage(new JobStore(client), budgets, Date.now());
  client.disconnect();
  // 4 GPUs for at least 0.5 s before the last save: no cycle ran, the timer charged and saved it.
  t.true(saved!.usedGpuHours * 3600 >= 4 * 0.4, `saved ${saved!.usedGpuHours * 3600} GPU-seconds`);
  running.settle(success());
  await harness.waitForStatus(job.id, 'SUCCEEDED');
});

test.serial('a share without a budget is never held back, whatever it used', async (t) => {
  const harness = await stack.start(gpuNodes(1, { gpus: 4 }), {
    budgets: { 'team-a': { gpuHours: TINY, windowHours: 1 } },
  });
  const first = await harness.submit({ shareIdentifier: 'team-b', resources: { gpus: 4 } });
  const running = await harness.executor.started(first.id);
  await sleep(1000);
  running.settle(success());
  const next = await harness.submit({ shareIdentifier: 'team-b', resources: { gpus: 4 } });
  (await harness.executor.started(next.id)).settle(success());
  await harness.waitForStatus(next.id, 'SUCCEEDED');
  t.deepEqual(
    harness.scheduler.budgetUsage().map((u) => [u.share, u.usedGpuHours]),
    [['team-a', 0]],
    'team-b is not budgeted, so not counted',
  );
});
