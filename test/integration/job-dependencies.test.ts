// Job dependencies through the real scheduler stack over the fake executor (AWS Batch semantics).
import test from 'ava';
import { UnprocessableJobError } from '../../api/errors.ts';
import { ARRAY_INDEX_PLACEHOLDERS } from '../../api/schemas/array-spec.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { gpuNodes } from '../support/builders.ts';
import { failure, success } from '../support/fake-executor.ts';
import { schedulerStackPerTest } from '../support/scheduler-stack.ts';

const INDEX = ARRAY_INDEX_PLACEHOLDERS[0]; // ${GPUBATCH_ARRAY_INDEX}
const stack = schedulerStackPerTest(test, () => gpuNodes(1, { gpus: 2, cpuMilli: 8000, memoryMiB: 16_384 }));

test.serial('a job waits PENDING for its dependency, then runs once it succeeded', async (t) => {
  const first = await stack.harness.submit({ name: 'first' });
  const second = await stack.harness.submit({ name: 'second', dependsOn: [{ jobId: first.id }] });
  t.is(second.status, 'PENDING');
  t.is(second.statusReason, 'waiting for its dependencies');
  const running = await stack.harness.executor.started(first.id);
  t.false(stack.harness.executor.isRunning(second.id));
  running.settle(success());
  (await stack.harness.executor.started(second.id)).settle(success());
  const done = await stack.harness.waitForStatus(second.id, 'SUCCEEDED');
  t.deepEqual(
    done.events.map((e) => e.status),
    ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'SUCCEEDED'],
  );
  t.regex(done.events[2]?.reason ?? '', /^dependencies succeeded; waiting in queue default/);
});

test.serial('a dependency that already succeeded does not hold the job back', async (t) => {
  const first = await stack.harness.submit();
  (await stack.harness.executor.started(first.id)).settle(success());
  await stack.harness.waitForStatus(first.id, 'SUCCEEDED');
  const second = await stack.harness.submit({ dependsOn: [{ jobId: first.id }] });
  t.is(second.status, 'RUNNABLE');
  (await stack.harness.executor.started(second.id)).settle(success());
  await stack.harness.waitForStatus(second.id, 'SUCCEEDED');
  t.pass();
});

test.serial(
  'a failed dependency fails its dependents, naming it, and the failure cascades; none of them runs',
  async (t) => {
    const a = await stack.harness.submit({ name: 'a' });
    const b = await stack.harness.submit({ name: 'b', dependsOn: [{ jobId: a.id }] });
    const c = await stack.harness.submit({ name: 'c', dependsOn: [{ jobId: b.id }] });
    (await stack.harness.executor.started(a.id)).settle(failure('INPUT_MALFORMED', false));
    const failedB = await stack.harness.waitForStatus(b.id, 'FAILED');
    const failedC = await stack.harness.waitForStatus(c.id, 'FAILED');
    t.is(failedB.statusReason, `Dependent Job failed: ${a.id}`);
    t.is(failedC.statusReason, `Dependent Job failed: ${b.id}`);
    t.deepEqual(
      failedC.events.map((e) => e.status),
      ['SUBMITTED', 'PENDING', 'FAILED'],
    );
    t.deepEqual(
      stack.harness.executor.attempts.map((x) => x.request.jobId),
      [a.id],
    );
  },
);

test.serial('a job depending on one that already failed fails at once', async (t) => {
  const a = await stack.harness.submit();
  (await stack.harness.executor.started(a.id)).settle(failure('INPUT_MALFORMED', false));
  await stack.harness.waitForStatus(a.id, 'FAILED');
  const b = await stack.harness.submit({ dependsOn: [{ jobId: a.id }] });
  t.is(b.status, 'FAILED');
  t.is(b.statusReason, `Dependent Job failed: ${a.id}`);
});

test.serial(
  'cancelling a PENDING job with unfinished dependencies fails it and its dependents; the dependency runs on',
  async (t) => {
    const a = await stack.harness.submit({ name: 'a' });
    const b = await stack.harness.submit({ name: 'b', dependsOn: [{ jobId: a.id }] });
    const c = await stack.harness.submit({ name: 'c', dependsOn: [{ jobId: b.id }] });
    const running = await stack.harness.executor.started(a.id);
    const cancelled = await stack.harness.jobs.cancel(b.id, 'changed my mind');
    t.is(cancelled?.status, 'FAILED');
    t.is(cancelled?.statusReason, 'Cancelled: changed my mind');
    t.is((await stack.harness.waitForStatus(c.id, 'FAILED')).statusReason, `Dependent Job failed: ${b.id}`);
    running.settle(success());
    await stack.harness.waitForStatus(a.id, 'SUCCEEDED');
    await new Promise((resolve) => setTimeout(resolve, 200));
    t.is((await stack.harness.store.get(b.id))?.status, 'FAILED', 'a late success does not revive it');
    t.false(stack.harness.executor.attempts.some((x) => x.request.jobId === b.id));
  },
);

test.serial('a job waits for every one of several dependencies', async (t) => {
  const a = await stack.harness.submit({ name: 'a' });
  const b = await stack.harness.submit({ name: 'b' });
  const c = await stack.harness.submit({ name: 'c', dependsOn: [{ jobId: a.id }, { jobId: b.id }] });
  const runA = await stack.harness.executor.started(a.id);
  const runB = await stack.harness.executor.started(b.id);
  runA.settle(success());
  await stack.harness.waitForStatus(a.id, 'SUCCEEDED');
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.is((await stack.harness.store.get(c.id))?.status, 'PENDING', 'b has not finished');
  runB.settle(success());
  (await stack.harness.executor.started(c.id)).settle(success());
  await stack.harness.waitForStatus(c.id, 'SUCCEEDED');
  t.pass();
});

test.serial('an unknown dependency is a 422 naming dependsOn[i].jobId, and nothing is stored', async (t) => {
  const a = await stack.harness.submit();
  const error = await t.throwsAsync(
    stack.harness.submit({ dependsOn: [{ jobId: a.id }, { jobId: 'no-such-job' }] }),
    { instanceOf: UnprocessableJobError },
  );
  t.is(error.problems[0]?.field, 'dependsOn[1].jobId');
  t.regex(error.message, /no job with id "no-such-job"/);
  t.is((await stack.harness.jobs.list({ limit: 10 })).jobs.length, 1);
});

test.serial('N_TO_N on an array of another size is a 422 naming the dependency', async (t) => {
  const a = await stack.harness.submit({ arraySize: 2, output: `o-${INDEX}.npy` });
  const error = await t.throwsAsync(
    stack.harness.submit({
      arraySize: 3,
      output: `p-${INDEX}.npy`,
      dependsOn: [{ jobId: a.id, type: 'N_TO_N' }],
    }),
    { instanceOf: UnprocessableJobError },
  );
  t.is(error.problems[0]?.field, 'dependsOn[0].jobId');
  t.regex(error.message, /same size \(3\)/);
});

test.serial(
  'a crash after the dependency finished but before its dependent was moved on is repaired by the next leader',
  async (t) => {
    const a = await stack.harness.submit({ name: 'a' });
    const b = await stack.harness.submit({ name: 'b', dependsOn: [{ jobId: a.id }] });
    await stack.harness.executor.started(a.id);
    await stack.harness.stop();
    // What the driver's settle does, without the drain that would follow it (the crash).
    const client = connect(stack.redis.url);
    const store = new JobStore(client);
    await store.transition(a.id, {
      from: ['RUNNABLE', 'STARTING', 'RUNNING'],
      to: 'SUCCEEDED',
      reason: 'done',
    });
    t.deepEqual((await store.graph.readOutbox()).ready, [b.id], 'the Lua step left b in the outbox');
    t.is((await store.get(b.id))?.status, 'PENDING');
    client.disconnect();

    await stack.restart();
    (await stack.harness.executor.started(b.id)).settle(success());
    await stack.harness.waitForStatus(b.id, 'SUCCEEDED');
    t.deepEqual(await stack.harness.store.graph.readOutbox(), { ready: [], failed: [], arrays: [] });
  },
);
