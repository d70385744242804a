// Array jobs through the real scheduler stack (Redis, BullMQ, leader, driver) over the fake executor.
import test from 'ava';
import { ARRAY_INDEX_PLACEHOLDERS } from '../../api/schemas/array-spec.ts';
import { JobSpecSchema } from '../../api/schemas/job-spec.ts';
import { childId } from '../../scheduler/array-children.ts';
import { DEFAULT_ARRAY_RELEASE } from '../../scheduler/store/dependency-store.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { serveAuthedApi } from '../support/authed-api.ts';
import { gpuNodes } from '../support/builders.ts';
import { failure, success } from '../support/fake-executor.ts';
import { schedulerStackPerTest } from '../support/scheduler-stack.ts';

const stack = schedulerStackPerTest(test, () =>
  gpuNodes(1, { gpus: 2, cpuMilli: 16_000, memoryMiB: 65_536 }),
);

const INDEX = ARRAY_INDEX_PLACEHOLDERS[0]; // ${GPUBATCH_ARRAY_INDEX}
const perChild = { output: `out-${INDEX}.npy` };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Arrays `a` and `b` of 3 children each, child i of b depending on child i of a (N_TO_N). */
async function nToNArrays() {
  const a = await stack.harness.submit({ name: 'a', arraySize: 3, ...perChild });
  const b = await stack.harness.submit({
    name: 'b',
    arraySize: 3,
    ...perChild,
    dependsOn: [{ jobId: a.id, type: 'N_TO_N' }],
  });
  return { a, b };
}

/** Waits until exactly `count` attempts run; returns their job ids. */
async function runningCount(count: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  while (stack.harness.executor.runningIds().length !== count) {
    if (Date.now() > deadline)
      throw new Error(`expected ${count} running, got ${stack.harness.executor.runningIds()}`);
    await sleep(20);
  }
  return stack.harness.executor.runningIds();
}

/** Settles the first running attempt among `ids` as it comes, until all of them finished. */
async function succeedAll(ids: string[]): Promise<void> {
  for (const id of ids) (await stack.harness.executor.started(id)).settle(success());
}

test.serial(
  'an array of 5 with maxConcurrent 2 never runs more than 2 children at once, and the parent ends SUCCEEDED with a summary',
  async (t) => {
    const parent = await stack.harness.submit({ arraySize: 5, maxConcurrent: 2, ...perChild });
    t.is(parent.status, 'PENDING');
    t.is(parent.arrayProperties?.size, 5);
    for (let remaining = 5; remaining > 0; remaining--) {
      const running = await runningCount(Math.min(2, remaining));
      await sleep(150); // time enough for a wrongly released third child to start
      const summary = (await stack.harness.store.get(parent.id))?.arrayProperties?.statusSummary ?? {};
      const inFlight = (summary.RUNNABLE ?? 0) + (summary.STARTING ?? 0) + (summary.RUNNING ?? 0);
      t.true(inFlight <= 2, `at most 2 children released, got ${JSON.stringify(summary)}`);
      (await stack.harness.executor.started(running[0]!)).settle(success());
    }
    const done = await stack.harness.waitForStatus(parent.id, 'SUCCEEDED');
    t.is(stack.harness.executor.maxRunning, 2, 'two ran at once, never three');
    t.is(done.statusReason, 'all 5 children succeeded');
    t.like(done.arrayProperties?.statusSummary, { SUCCEEDED: 5, FAILED: 0, PENDING: 0, RUNNING: 0 });
    t.deepEqual(
      done.events.map((e) => e.status),
      ['SUBMITTED', 'PENDING', 'SUCCEEDED'],
    );
  },
);

test.serial('each child gets its index: in the attempt (the runner env) and in its paths', async (t) => {
  const parent = await stack.harness.submit({ arraySize: 3, ...perChild });
  for (const index of [0, 1, 2]) {
    const attempt = await stack.harness.executor.started(childId(parent.id, index));
    t.is(attempt.request.arrayIndex, index);
    t.is(attempt.request.spec.output, `out-${index}.npy`);
    t.is(attempt.request.spec.arraySize, undefined, 'the array fields belong to the parent');
  }
  const child = await stack.harness.store.get(childId(parent.id, 2));
  t.like(child, { id: `${parent.id}:2`, arrayProperties: { index: 2 } });
  t.is(child?.spec.output, 'out-2.npy');
});

test.serial(
  'N_TO_N between two arrays of 3: child i of B starts only after child i of A succeeded',
  async (t) => {
    const { a, b } = await nToNArrays();
    const aRuns = await Promise.all([0, 1, 2].map((i) => stack.harness.executor.started(childId(a.id, i))));
    t.false(
      [0, 1, 2].some((i) => stack.harness.executor.isRunning(childId(b.id, i))),
      'no child of B before its partner',
    );
    // A finishes out of order: 1, then 2, then 0; each B child follows its own partner only.
    for (const i of [1, 2, 0]) {
      aRuns[i]!.settle(success());
      (await stack.harness.executor.started(childId(b.id, i))).settle(success());
      const pending = [0, 1, 2].filter(
        (k) => !stack.harness.executor.attempts.some((x) => x.request.jobId === childId(b.id, k)),
      );
      for (const k of pending) t.is((await stack.harness.store.get(childId(b.id, k)))?.status, 'PENDING');
    }
    await stack.harness.waitForStatus(b.id, 'SUCCEEDED');
    t.pass();
  },
);

test.serial('SEQUENTIAL: child i starts only after child i-1 succeeded', async (t) => {
  const parent = await stack.harness.submit({
    arraySize: 3,
    ...perChild,
    dependsOn: [{ type: 'SEQUENTIAL' }],
  });
  for (const i of [0, 1, 2]) {
    const attempt = await stack.harness.executor.started(childId(parent.id, i));
    t.deepEqual(stack.harness.executor.runningIds(), [childId(parent.id, i)], `only child ${i} runs`);
    attempt.settle(success());
  }
  await stack.harness.waitForStatus(parent.id, 'SUCCEEDED');
  t.is(stack.harness.executor.maxRunning, 1);
});

test.serial(
  'a failed child fails the parent once all finished; a job depending on the parent fails naming it; retry-failed re-runs only that child',
  async (t) => {
    const parent = await stack.harness.submit({ arraySize: 3, ...perChild });
    const after = await stack.harness.submit({ name: 'after', dependsOn: [{ jobId: parent.id }] });
    t.is(after.status, 'PENDING');
    (await stack.harness.executor.started(childId(parent.id, 1))).settle(failure('INPUT_MALFORMED', false));
    await stack.harness.waitForStatus(childId(parent.id, 1), 'FAILED');
    t.is((await stack.harness.store.get(parent.id))?.status, 'PENDING', 'still PENDING while children run');
    await succeedAll([childId(parent.id, 0), childId(parent.id, 2)]);
    const failed = await stack.harness.waitForStatus(parent.id, 'FAILED');
    t.is(failed.statusReason, '1 of 3 children failed');
    t.like(failed.arrayProperties?.statusSummary, { SUCCEEDED: 2, FAILED: 1 });
    const dependent = await stack.harness.waitForStatus(after.id, 'FAILED');
    t.is(dependent.statusReason, `Dependent Job failed: ${parent.id}`);

    const retried = await stack.harness.jobs.retryFailed(parent.id);
    t.is(retried?.status, 'PENDING');
    const again = await stack.harness.executor.started(childId(parent.id, 1));
    t.is(again.request.attempt, 2, 'a new attempt, although retry.attempts is 1');
    again.settle(success());
    const done = await stack.harness.waitForStatus(parent.id, 'SUCCEEDED');
    t.like(done.arrayProperties?.statusSummary, { SUCCEEDED: 3, FAILED: 0 });
    t.is(stack.harness.executor.attempts.filter((a) => a.request.jobId === childId(parent.id, 0)).length, 1);
    await t.throwsAsync(stack.harness.jobs.retryFailed(parent.id), { message: /no failed children/ });
  },
);

test.serial('cancelling an array parent fails its waiting children and stops the running ones', async (t) => {
  const parent = await stack.harness.submit({ arraySize: 4, maxConcurrent: 1, ...perChild });
  await stack.harness.executor.started(childId(parent.id, 0));
  const cancelled = await stack.harness.jobs.cancel(parent.id, 'not needed');
  t.is(cancelled?.status, 'FAILED');
  await stack.harness.waitForStatus(childId(parent.id, 0), 'FAILED');
  for (const i of [1, 2, 3]) {
    t.like(await stack.harness.store.get(childId(parent.id, i)), {
      status: 'FAILED',
      statusReason: 'Cancelled: not needed',
    });
  }
  t.is(stack.harness.executor.attempts.length, 1, 'no other child ran');
});

test.serial('an array of 10,000 is submitted through the API in under 2 s, and cancelled', async (t) => {
  const server = await serveAuthedApi(stack.redis.url, { jobs: stack.harness.jobs });
  t.teardown(() => server.close());
  const body = {
    name: 'sweep',
    kind: 'kernel',
    kernel: 'standardize',
    input: '/data/in.npy',
    output: `/data/out-${INDEX}.npy`,
    arraySize: 10_000,
  };
  const post = (json: object) =>
    server.fetch('/v1/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(json),
    });
  const plainStarted = performance.now();
  await post({ ...body, name: 'baseline', output: '/data/one.npy', arraySize: undefined });
  const plainMs = performance.now() - plainStarted;
  const started = performance.now();
  const response = await server.fetch('/v1/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const ms = performance.now() - started;
  const job = (await response.json()) as { id: string; arrayProperties: { size: number } };
  t.log(
    `POST /v1/jobs with arraySize 10000: ${ms.toFixed(0)} ms (one plain job just before: ${plainMs.toFixed(0)} ms)`,
  );
  t.is(response.status, 201);
  t.is(job.arrayProperties.size, 10_000);
  t.true(ms < 2000, `took ${ms.toFixed(0)} ms`);
  const last = await stack.harness.store.get(childId(job.id, 9999));
  t.like(last, { status: 'PENDING', arrayProperties: { index: 9999 } });
  t.is(last?.spec.output, '/data/out-9999.npy');
  await sleep(300);
  const summary = (await stack.harness.store.get(job.id))?.arrayProperties?.statusSummary ?? {};
  const released = 10_000 - (summary.PENDING ?? 0);
  t.true(released > 0 && released <= DEFAULT_ARRAY_RELEASE, `released ${released} children to BullMQ`);

  const cancelStarted = performance.now();
  const cancelled = await server.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
  t.log(`cancelling it: ${(performance.now() - cancelStarted).toFixed(0)} ms`);
  t.is(cancelled.status, 200);
  const after = await stack.harness.waitFor(
    job.id,
    (r) => r.arrayProperties?.statusSummary?.FAILED === 10_000,
    'all failed',
  );
  t.is(after.status, 'FAILED');
});

test.serial(
  'children released just before a crash (not yet RUNNABLE) are made RUNNABLE and run by the next leader',
  async (t) => {
    await stack.harness.stop();
    const client = connect(stack.redis.url);
    const store = new JobStore(client);
    const { record } = await store.graph.createWithDependencies(
      JobSpecSchema.parse({
        name: 'sweep',
        kind: 'kernel',
        kernel: 'standardize',
        input: 'in.npy',
        output: `out-${INDEX}.npy`,
        arraySize: 3,
        maxConcurrent: 2,
      }),
    );
    t.deepEqual(await store.graph.releaseChildren(record.id), [childId(record.id, 0), childId(record.id, 1)]);
    await client.del(store.keys.outboxArrays); // the crash: nothing else happened
    client.disconnect();

    await stack.restart();
    await succeedAll([0, 1, 2].map((i) => childId(record.id, i)));
    const done = await stack.harness.waitForStatus(record.id, 'SUCCEEDED');
    t.like(done.arrayProperties?.statusSummary, { SUCCEEDED: 3 });
  },
);

test.serial(
  'an array that depends on a job releases no child before it succeeded; a job that depends on the array waits for every child',
  async (t) => {
    const prep = await stack.harness.submit({ name: 'prep' });
    const sweep = await stack.harness.submit({
      name: 'sweep',
      arraySize: 2,
      ...perChild,
      dependsOn: [{ jobId: prep.id }],
    });
    const report = await stack.harness.submit({ name: 'report', dependsOn: [{ jobId: sweep.id }] });
    const prepRun = await stack.harness.executor.started(prep.id);
    await sleep(150);
    t.deepEqual(
      stack.harness.executor.runningIds(),
      [prep.id],
      'no child before its parent’s dependency succeeded',
    );
    prepRun.settle(success());
    const [first, second] = await Promise.all(
      [0, 1].map((i) => stack.harness.executor.started(childId(sweep.id, i))),
    );
    first!.settle(success());
    await stack.harness.waitForStatus(childId(sweep.id, 0), 'SUCCEEDED');
    await sleep(150);
    t.is((await stack.harness.store.get(report.id))?.status, 'PENDING', 'one child still runs');
    second!.settle(success());
    await stack.harness.waitForStatus(sweep.id, 'SUCCEEDED');
    (await stack.harness.executor.started(report.id)).settle(success());
    await stack.harness.waitForStatus(report.id, 'SUCCEEDED');
  },
);

test.serial(
  'SEQUENTIAL: a failed child fails every later one, each naming the one before; retry-failed runs them in order again',
  async (t) => {
    const parent = await stack.harness.submit({
      arraySize: 4,
      ...perChild,
      dependsOn: [{ type: 'SEQUENTIAL' }],
    });
    (await stack.harness.executor.started(childId(parent.id, 0))).settle(success());
    (await stack.harness.executor.started(childId(parent.id, 1))).settle(failure('INPUT_MALFORMED', false));
    const failed = await stack.harness.waitForStatus(parent.id, 'FAILED');
    t.is(failed.statusReason, '3 of 4 children failed');
    for (const i of [2, 3]) {
      const child = await stack.harness.store.get(childId(parent.id, i));
      t.like(child, { status: 'FAILED', statusReason: `Dependent Job failed: ${parent.id}:${i - 1}` });
      t.deepEqual(
        child?.events.map((e) => e.status),
        ['SUBMITTED', 'PENDING', 'FAILED'],
      );
    }

    await stack.harness.jobs.retryFailed(parent.id);
    for (const i of [1, 2, 3]) {
      const attempt = await stack.harness.executor.started(childId(parent.id, i));
      t.deepEqual(stack.harness.executor.runningIds(), [childId(parent.id, i)], `only child ${i} runs`);
      attempt.settle(success());
    }
    const done = await stack.harness.waitForStatus(parent.id, 'SUCCEEDED');
    t.like(done.arrayProperties?.statusSummary, { SUCCEEDED: 4, FAILED: 0 });
  },
);

test.serial(
  'N_TO_N: a failed child fails only its partner; retry-failed of the dependent array waits for the other array',
  async (t) => {
    const { a, b } = await nToNArrays();
    (await stack.harness.executor.started(childId(a.id, 1))).settle(failure('INPUT_MALFORMED', false));
    const partner = await stack.harness.waitForStatus(childId(b.id, 1), 'FAILED');
    t.is(partner.statusReason, `Dependent Job failed: ${a.id}:1`);
    await succeedAll([0, 2].map((i) => childId(a.id, i)));
    await succeedAll([0, 2].map((i) => childId(b.id, i)));
    t.is((await stack.harness.waitForStatus(b.id, 'FAILED')).statusReason, '1 of 3 children failed');
    await t.throwsAsync(stack.harness.jobs.retryFailed(b.id), { message: /no failed child can run again/ });

    await stack.harness.jobs.retryFailed(a.id);
    (await stack.harness.executor.started(childId(a.id, 1))).settle(success());
    await stack.harness.waitForStatus(a.id, 'SUCCEEDED');
    await stack.harness.jobs.retryFailed(b.id);
    (await stack.harness.executor.started(childId(b.id, 1))).settle(success());
    await stack.harness.waitForStatus(b.id, 'SUCCEEDED');
    t.pass();
  },
);
