// AWS Batch job semantics on the real scheduler stack (fake executor): evaluateOnExit rules, backoff between
// attempts, attempt timeouts, and a queue's limit on time spent RUNNABLE.
import test from 'ava';
import type { AttemptOutcome } from '../../scheduler/executors/executor.ts';
import { gpuNodes } from '../support/builders.ts';
import { success } from '../support/fake-executor.ts';
import type { StartOptions } from '../support/scheduler-harness.ts';
import { schedulerStackPerTest } from '../support/scheduler-stack.ts';

const stack = schedulerStackPerTest(test);

/** This test's scheduler, over one node with 2 GPUs. */
const start = (options: StartOptions = {}) =>
  stack.start(gpuNodes(1, { gpus: 2, cpuMilli: 8000, memoryMiB: 16_384 }), options);

const exited = (exitCode: number, code = 'NONZERO_EXIT'): AttemptOutcome => ({
  kind: 'failed',
  failure: { code, message: `the process exited with ${exitCode}`, retryable: true },
  exitCode,
});

test.serial('exit code 3 with the rule {onExitCode: "3", action: EXIT} fails after 1 attempt', async (t) => {
  const h = await start();
  const job = await h.submit({
    retry: { attempts: 3, evaluateOnExit: [{ onExitCode: '3', action: 'EXIT' }] },
  });
  (await h.executor.started(job.id)).settle(exited(3));
  const failed = await h.waitForStatus(job.id, 'FAILED');
  t.is(failed.attempts.length, 1);
  t.is(failed.attempts[0]?.exitCode, 3);
  t.regex(failed.statusReason, /evaluateOnExit rule 1 \(onExitCode "3"\) says EXIT/);
});

test.serial('an exit no rule matches is retried, and the retry succeeds', async (t) => {
  const h = await start();
  const job = await h.submit({
    retry: { attempts: 3, evaluateOnExit: [{ onExitCode: '3', action: 'EXIT' }] },
  });
  (await h.executor.started(job.id)).settle(exited(4));
  await h.waitFor(job.id, (r) => r.attempts.length === 2, 'a second attempt');
  (await h.executor.started(job.id)).settle(success());
  const done = await h.waitForStatus(job.id, 'SUCCEEDED');
  t.deepEqual(
    done.attempts.map((a) => [a.outcome, a.exitCode]),
    [
      ['failed', 4],
      ['succeeded', 0],
    ],
  );
});

test.serial('onReason matches the typed failure code of any executor, e.g. a pod OOMKilled', async (t) => {
  const h = await start();
  const job = await h.submit({
    retry: { attempts: 3, evaluateOnExit: [{ onReason: 'OOM*', action: 'EXIT' }] },
  });
  (await h.executor.started(job.id)).settle(exited(137, 'OOMKilled'));
  const failed = await h.waitForStatus(job.id, 'FAILED');
  t.is(failed.attempts.length, 1);
  t.regex(failed.statusReason, /onReason "OOM\*"\) says EXIT/);
});

test.serial('a backoff delays the second attempt by at least its initial delay', async (t) => {
  const h = await start();
  const job = await h.submit({ retry: { attempts: 2, backoff: { initialSeconds: 0.6, jitter: 0 } } });
  (await h.executor.started(job.id)).settle(exited(1));
  const waiting = await h.waitFor(job.id, (r) => r.notBefore !== undefined, 'a backoff');
  const failedAt = waiting.attempts[0]?.stoppedAt ?? 0;
  t.is(waiting.status, 'RUNNABLE');
  t.is(waiting.notBefore, failedAt + 600);
  t.regex(waiting.statusReason, /retrying in 0\.6 s \(backoff\) \(1 of 2 attempts used\)/);
  const second = await h.executor.started(job.id);
  t.true(Date.now() >= failedAt + 600, 'not started before the backoff ended');
  second.settle(success());
  const done = await h.waitForStatus(job.id, 'SUCCEEDED');
  t.true((done.attempts[1]?.startedAt ?? 0) >= failedAt + 600);
  t.is(done.notBefore, undefined, 'cleared once the attempt started');
});

test.serial('a backoff is in the record, so a restarted scheduler still waits it out', async (t) => {
  const h = await start();
  const job = await h.submit({ retry: { attempts: 2, backoff: { initialSeconds: 1.5, jitter: 0 } } });
  (await h.executor.started(job.id)).settle(exited(1));
  const waiting = await h.waitFor(job.id, (r) => r.notBefore !== undefined, 'a backoff');
  await h.stop();
  const restarted = await start();
  const second = await restarted.executor.started(job.id);
  t.true(Date.now() >= (waiting.notBefore ?? Number.POSITIVE_INFINITY), 'not started before notBefore');
  second.settle(success());
  await restarted.waitForStatus(job.id, 'SUCCEEDED');
});

test.serial('a job waiting out its backoff does not hold capacity: others run meanwhile', async (t) => {
  const h = await start();
  const flaky = await h.submit({
    resources: { gpus: 2 },
    retry: { attempts: 2, backoff: { initialSeconds: 1, jitter: 0 } },
  });
  (await h.executor.started(flaky.id)).settle(exited(1));
  await h.waitFor(flaky.id, (r) => r.notBefore !== undefined, 'a backoff');
  const other = await h.submit({ resources: { gpus: 2 } });
  (await h.executor.started(other.id, 900)).settle(success());
  await h.waitForStatus(other.id, 'SUCCEEDED');
  (await h.executor.started(flaky.id)).settle(success());
  await h.waitForStatus(flaky.id, 'SUCCEEDED');
  t.pass();
});

test.serial('an attempt past timeoutSeconds is stopped, and the job FAILED, not retried', async (t) => {
  const h = await start();
  const job = await h.submit({ timeoutSeconds: 1, retry: { attempts: 3 } });
  const attempt = await h.executor.started(job.id);
  attempt.hooks.onStarted();
  const failed = await h.waitForStatus(job.id, 'FAILED');
  t.false(h.executor.isRunning(job.id), 'the executor was told to stop it');
  t.is(failed.attempts.length, 1);
  t.is(failed.attempts[0]?.outcome, 'failed');
  t.regex(
    failed.statusReason,
    /^Job attempt duration exceeded timeout; attempt 1 failed: TIMEOUT: .*timeoutSeconds \(1 s\)/,
  );
  t.is(failed.isTerminated, undefined);
});

test.serial('a terminate while a job waits out its backoff fails it at once', async (t) => {
  const h = await start();
  const job = await h.submit({ retry: { attempts: 2, backoff: { initialSeconds: 30 } } });
  (await h.executor.started(job.id)).settle(exited(1));
  await h.waitFor(job.id, (r) => r.notBefore !== undefined, 'a backoff');
  const stopped = await h.jobs.terminate(job.id, 'giving up');
  t.like(stopped, { status: 'FAILED', isTerminated: true, statusReason: 'Terminated: giving up' });
  t.is(stopped?.notBefore, undefined);
});

test.serial(
  'a queue maxRunnableSeconds cancels a job that waited RUNNABLE longer, with a reason',
  async (t) => {
    const h = await start({ queues: [{ name: 'default', maxRunnableSeconds: 1 }], runnableSweepMs: 100 });
    const blocker = await h.submit({ resources: { gpus: 2 } });
    const running = await h.executor.started(blocker.id);
    const stuck = await h.submit({ resources: { gpus: 2 } });
    const cancelled = await h.waitForStatus(stuck.id, 'FAILED');
    t.true(cancelled.isCancelled);
    t.regex(
      cancelled.statusReason,
      /^Cancelled: RUNNABLE for more than 1 s \(maxRunnableSeconds of queue default\); it was waiting because: needs 2 GPUs/,
    );
    const waited =
      (cancelled.stoppedAt ?? 0) - (cancelled.events.find((e) => e.status === 'RUNNABLE')?.at ?? 0);
    t.true(waited > 1000, `waited ${waited} ms`);
    t.is(cancelled.attempts.length, 0);
    running.settle(success());
    await h.waitForStatus(blocker.id, 'SUCCEEDED');
    t.false(
      h.executor.attempts.some((a) => a.request.jobId === stuck.id),
      'never started afterwards',
    );
  },
);

test.serial('with retry.countInterruptions, attempts stopped from outside use up attempts', async (t) => {
  const h = await start();
  const job = await h.submit({ retry: { attempts: 2, countInterruptions: true } });
  const drained: AttemptOutcome = { kind: 'interrupted', by: 'terminated', reason: 'node drained' };
  (await h.executor.started(job.id)).settle(drained);
  await h.waitFor(job.id, (r) => r.attempts.length === 2, 'a second attempt');
  (await h.executor.started(job.id)).settle(drained);
  const failed = await h.waitForStatus(job.id, 'FAILED');
  t.deepEqual(
    failed.attempts.map((a) => [a.outcome, a.interruptedBy]),
    [
      ['interrupted', 'terminated'],
      ['interrupted', 'terminated'],
    ],
  );
  t.regex(failed.statusReason, /no attempts left \(retry\.countInterruptions: 2 of 2 used\)/);
});
