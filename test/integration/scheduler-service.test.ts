import test from 'ava';
import { UnprocessableJobError } from '../../api/errors.ts';
import { JobSpecSchema } from '../../api/schemas/job-spec.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { gpuNodes } from '../support/builders.ts';
import { failure, success } from '../support/fake-executor.ts';
import { readJob } from '../support/scheduler-harness.ts';
import { schedulerStackPerTest } from '../support/scheduler-stack.ts';

const stack = schedulerStackPerTest(test, () => gpuNodes(1, { gpus: 2, cpuMilli: 8000, memoryMiB: 16_384 }));

test.serial('a job goes SUBMITTED -> PENDING -> RUNNABLE -> STARTING -> RUNNING -> SUCCEEDED', async (t) => {
  const job = await stack.harness.submit({ resources: { gpus: 1 } });
  t.is(job.status, 'RUNNABLE');
  const attempt = await stack.harness.executor.started(job.id);
  t.deepEqual(attempt.placement.gpuIndices, [0]);
  attempt.hooks.onStarted('fake:cpu');
  await stack.harness.waitForStatus(job.id, 'RUNNING');
  attempt.hooks.onProgress({ done: 3, total: 10 });
  await stack.harness.waitFor(job.id, (r) => r.progress?.done === 3, 'progress 3/10');
  attempt.settle(success('/data/out.npy'));
  const done = await stack.harness.waitForStatus(job.id, 'SUCCEEDED');
  t.deepEqual(
    done.events.map((e) => e.status),
    ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED'],
  );
  t.is(done.attempts.length, 1);
  t.is(done.attempts[0]?.backend, 'fake:cpu');
  t.is(done.attempts[0]?.placement.node, 'node-0');
  t.is(done.result?.output, '/data/out.npy');
  t.truthy(done.startedAt && done.stoppedAt);
});

test.serial(
  'a job that does not fit now waits RUNNABLE with a reason, then runs when GPUs free up',
  async (t) => {
    const big = await stack.harness.submit({ name: 'big', resources: { gpus: 2 } });
    const first = await stack.harness.executor.started(big.id);
    const second = await stack.harness.submit({ name: 'second', resources: { gpus: 1 } });
    const waiting = await stack.harness.waitFor(
      second.id,
      (r) => r.statusReason.includes('needs'),
      'a waiting reason',
    );
    t.is(waiting.status, 'RUNNABLE');
    t.regex(waiting.statusReason, /needs 1 GPU.*largest free.*0/);
    first.settle(success());
    const next = await stack.harness.executor.started(second.id);
    t.deepEqual(next.placement.gpuIndices, [0]);
    next.settle(success());
    await stack.harness.waitForStatus(second.id, 'SUCCEEDED');
    t.pass();
  },
);

test.serial('a retryable failure runs again until the attempts are used up', async (t) => {
  const job = await stack.harness.submit({ retry: { attempts: 2 } });
  (await stack.harness.executor.started(job.id)).settle(failure('RUNNER_CRASHED', true));
  await stack.harness.waitFor(
    job.id,
    (r) => r.attempts.length === 2 && r.status !== 'RUNNABLE',
    'second attempt',
  );
  (await stack.harness.executor.started(job.id)).settle(failure('RUNNER_CRASHED', true));
  const failed = await stack.harness.waitForStatus(job.id, 'FAILED');
  t.is(failed.attempts.length, 2);
  t.deepEqual(
    failed.attempts.map((a) => a.outcome),
    ['failed', 'failed'],
  );
  t.regex(failed.statusReason, /attempt 2 failed: RUNNER_CRASHED.*no attempts left/);
});

test.serial('a failure that retrying cannot fix fails at once', async (t) => {
  const job = await stack.harness.submit({ retry: { attempts: 3 } });
  (await stack.harness.executor.started(job.id)).settle(failure('INPUT_MALFORMED', false));
  const failed = await stack.harness.waitForStatus(job.id, 'FAILED');
  t.is(failed.attempts.length, 1);
  t.regex(failed.statusReason, /INPUT_MALFORMED/);
});

test.serial('cancelling a waiting job fails it without running it', async (t) => {
  const blocker = await stack.harness.submit({ resources: { gpus: 2 } });
  const running = await stack.harness.executor.started(blocker.id);
  const waiting = await stack.harness.submit({ resources: { gpus: 2 } });
  const cancelled = await stack.harness.jobs.cancel(waiting.id, 'not needed');
  t.is(cancelled?.status, 'FAILED');
  t.is(cancelled?.statusReason, 'Cancelled: not needed');
  t.true(cancelled?.isCancelled);
  running.settle(success());
  await stack.harness.waitForStatus(blocker.id, 'SUCCEEDED');
  t.false(stack.harness.executor.attempts.some((a) => a.request.jobId === waiting.id));
});

test.serial('terminating a running job stops its attempt and records FAILED with isTerminated', async (t) => {
  const job = await stack.harness.submit();
  const attempt = await stack.harness.executor.started(job.id);
  attempt.hooks.onStarted();
  await stack.harness.waitForStatus(job.id, 'RUNNING');
  const asked = await stack.harness.jobs.terminate(job.id, 'wrong input');
  t.like(asked, { status: 'RUNNING', terminateRequested: { reason: 'wrong input' } });
  const failed = await stack.harness.waitForStatus(job.id, 'FAILED');
  t.is(failed.statusReason, 'Terminated: wrong input');
  t.true(failed.isTerminated);
  t.is(failed.isCancelled, undefined);
  t.is(failed.attempts[0]?.outcome, 'interrupted');
  t.false(stack.harness.executor.isRunning(job.id));
});

test.serial('cancelling a running job is a conflict and leaves it running', async (t) => {
  const job = await stack.harness.submit();
  const attempt = await stack.harness.executor.started(job.id);
  attempt.hooks.onStarted();
  await stack.harness.waitForStatus(job.id, 'RUNNING');
  const conflict = await t.throwsAsync(stack.harness.jobs.cancel(job.id, 'too late'));
  t.like(conflict, { status: 409 });
  t.regex(conflict?.message ?? '', /is RUNNING: cancel stops only jobs that have not started.*terminate/);
  t.true(stack.harness.executor.isRunning(job.id));
  attempt.settle(success());
  const done = await stack.harness.waitForStatus(job.id, 'SUCCEEDED');
  t.is(done.isCancelled, undefined);
});

test.serial('cancelling a finished job is a conflict', async (t) => {
  const job = await stack.harness.submit();
  (await stack.harness.executor.started(job.id)).settle(success());
  await stack.harness.waitForStatus(job.id, 'SUCCEEDED');
  await t.throwsAsync(stack.harness.jobs.cancel(job.id, 'late'), { message: /already SUCCEEDED/ });
});

test.serial(
  'a job that can never fit the compute environment is rejected at submit, naming resources',
  async (t) => {
    const error = await t.throwsAsync(stack.harness.submit({ resources: { gpus: 4 } }), {
      instanceOf: UnprocessableJobError,
    });
    t.is(error.problems[0]?.field, 'resources');
    t.regex(error.problems[0]?.message ?? '', /needs 4 GPUs/);
    t.deepEqual((await stack.harness.jobs.list({ limit: 10 })).jobs, [], 'nothing was stored');
  },
);

test.serial('an unknown queue is rejected at submit, naming the queue field', async (t) => {
  const error = await t.throwsAsync(stack.harness.submit({ queue: 'nope' }), {
    instanceOf: UnprocessableJobError,
  });
  t.is(error.problems[0]?.field, 'queue');
});

test.serial(
  'a stop interrupts running attempts; after a restart the job runs again and succeeds once',
  async (t) => {
    const job = await stack.harness.submit();
    const attempt = await stack.harness.executor.started(job.id);
    attempt.hooks.onStarted();
    await stack.harness.waitForStatus(job.id, 'RUNNING');
    await stack.harness.stop();
    const interrupted = await readJob(stack.redis.url, job.id);
    t.is(interrupted?.status, 'RUNNABLE');
    t.is(interrupted?.attempts[0]?.outcome, 'interrupted');

    await stack.restart();
    const again = await stack.harness.executor.started(job.id);
    t.is(again.request.attempt, 2);
    again.settle(success());
    const done = await stack.harness.waitForStatus(job.id, 'SUCCEEDED');
    t.is(done.events.filter((e) => e.status === 'SUCCEEDED').length, 1);
    t.deepEqual(
      done.attempts.map((a) => a.outcome),
      ['interrupted', 'succeeded'],
    );
  },
);

test.serial(
  'a runner terminated from outside (node drain) with a checkpoint: the job runs again at once, without using a retry, and the attempt keeps the checkpoint',
  async (t) => {
    const job = await stack.harness.submit();
    const first = await stack.harness.executor.started(job.id);
    const checkpoint = { nextRow: 640, start: 0, end: 1000 };
    first.settle({ kind: 'interrupted', by: 'terminated', reason: 'runner got SIGTERM', checkpoint });
    const again = await stack.harness.executor.started(job.id);
    t.is(again.request.attempt, 2);
    again.settle(success());
    const done = await stack.harness.waitForStatus(job.id, 'SUCCEEDED');
    t.deepEqual(
      done.attempts.map((a) => a.outcome),
      ['interrupted', 'succeeded'],
    );
    t.deepEqual(done.attempts[0]?.checkpoint, checkpoint);
    t.regex(done.attempts[0]?.reason ?? '', /checkpoint at row 640 of \[0, 1000\), will resume there/);
  },
);

test.serial('fair-share usage survives a leader hand-over', async (t) => {
  const first = await stack.harness.submit({ resources: { gpus: 2 }, shareIdentifier: 'alpha' });
  const running = await stack.harness.executor.started(first.id);
  // A waiting job makes the leader run cycles; alpha's GPU-time is charged between them.
  const second = await stack.harness.submit({ resources: { gpus: 2 }, shareIdentifier: 'beta' });
  await stack.harness.waitFor(second.id, (r) => /needs 2 GPUs/.test(r.statusReason), 'a cycle');
  await new Promise((resolve) => setTimeout(resolve, 200));
  running.settle(success());
  (await stack.harness.executor.started(second.id)).settle(success());
  await stack.harness.waitForStatus(second.id, 'SUCCEEDED');
  const before = stack.harness.scheduler.fairShareUsage['alpha'] ?? 0;
  t.true(before > 0, 'alpha used the GPU');

  await stack.harness.stop();
  await stack.restart();
  const after = stack.harness.scheduler.fairShareUsage['alpha'] ?? 0;
  t.true(after > 0 && after <= before, `restored ${after} of ${before}`);
  t.true(after > before * 0.99, 'decayed only by the seconds of the restart (half-life 1 h)');
});

test.serial('a job stored but never enqueued (crash in between) is recovered by the leader', async (t) => {
  await stack.harness.stop();
  // Simulate the crash: a record exists with no BullMQ entry.
  const client = connect(stack.redis.url);
  const { record } = await new JobStore(client).create(
    JobSpecSchema.parse({
      name: 'orphan',
      kind: 'kernel',
      kernel: 'standardize',
      input: 'a.npy',
      output: 'b.npy',
    }),
  );
  client.disconnect();
  await stack.restart();
  (await stack.harness.executor.started(record.id)).settle(success());
  const done = await stack.harness.waitForStatus(record.id, 'SUCCEEDED');
  t.true(done.events.some((e) => e.status === 'RUNNABLE'));
});

test.serial('a gang larger than the compute environment is rejected at submit, naming nodes', async (t) => {
  const error = await t.throwsAsync(stack.harness.submit({ nodes: 2 }), {
    instanceOf: UnprocessableJobError,
  });
  t.is(error.problems[0]?.field, 'nodes');
  t.regex(error.problems[0]?.message ?? '', /a gang of 2 needs 2 nodes; queue default has at most 1/);
});
