// The awkward interleavings: a cancel landing between placement and start, a storage error mid-drive,
// a failed start of leadership, and a scheduler deposed while its attempts run.
import test from 'ava';
import type { JobRecord } from '../../scheduler/job-record.ts';
import type { JobStore } from '../../scheduler/store/job-store.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { gpuNodes } from '../support/builders.ts';
import { success } from '../support/fake-executor.ts';
import { readJob } from '../support/scheduler-harness.ts';
import { schedulerStackPerTest } from '../support/scheduler-stack.ts';

const stack = schedulerStackPerTest(test, () => gpuNodes(1, { gpus: 2, cpuMilli: 8000, memoryMiB: 16_384 }));

/** Runs `before` once, just before the first store transition into `status`. */
function beforeTransitionTo(
  store: JobStore,
  status: JobRecord['status'],
  before: (id: string) => Promise<void>,
) {
  const original = store.transition.bind(store);
  let done = false;
  store.transition = async (id, change, options) => {
    if (!done && change.to === status) {
      done = true;
      await before(id);
    }
    return original(id, change, options);
  };
}

test.serial('a cancel landing between placement and the STARTING write: the job never runs', async (t) => {
  beforeTransitionTo(stack.harness.store, 'STARTING', async (id) => {
    await stack.harness.jobs.cancel(id, 'changed my mind');
  });
  const job = await stack.harness.submit({ resources: { gpus: 2 } });
  const failed = await stack.harness.waitForStatus(job.id, 'FAILED');
  t.is(failed.statusReason, 'Cancelled: changed my mind');
  t.is(failed.attempts.length, 0);
  t.false(
    stack.harness.executor.attempts.some((a) => a.request.jobId === job.id),
    'nothing was started',
  );
  const next = await stack.harness.submit({ resources: { gpus: 2 } });
  (await stack.harness.executor.started(next.id)).settle(success());
  await stack.harness.waitForStatus(next.id, 'SUCCEEDED');
  t.pass('the capacity it was placed on was given back');
});

test.serial(
  'a storage error on the STARTING write gives the capacity back and the job runs later',
  async (t) => {
    beforeTransitionTo(stack.harness.store, 'STARTING', async () => {
      throw new Error('READONLY You can not write against a read only replica');
    });
    const job = await stack.harness.submit({ resources: { gpus: 2 } });
    const attempt = await stack.harness.executor.started(job.id);
    attempt.settle(success());
    const done = await stack.harness.waitForStatus(job.id, 'SUCCEEDED');
    t.is(done.attempts.length, 1);
  },
);

test.serial('a failure right after taking the leader lock is retried; readiness waits for it', async (t) => {
  await stack.harness.stop();
  const original = stack.harness.store.idsInStatus;
  await stack.restart({
    beforeStart: (store) => {
      let failures = 1;
      store.idsInStatus = async (statuses) => {
        if (failures-- > 0) throw new Error('LOADING Redis is loading the dataset in memory');
        return original.call(store, statuses);
      };
    },
    awaitLeading: false,
  });
  t.false(stack.harness.scheduler.isLeader, 'not ready while recovery has not run');
  await stack.harness.waitUntilLeading();
  const job = await stack.harness.submit();
  (await stack.harness.executor.started(job.id)).settle(success());
  await stack.harness.waitForStatus(job.id, 'SUCCEEDED');
  t.true(stack.harness.scheduler.isLeader);
});

test.serial(
  'a deposed leader writes nothing more; the new leader records the attempt lost and reruns it',
  async (t) => {
    const job = await stack.harness.submit();
    const first = await stack.harness.executor.started(job.id);
    first.hooks.onStarted();
    await stack.harness.waitForStatus(job.id, 'RUNNING');

    // Another scheduler takes the lock (as after a long pause of this one): a new holder, a new fence.
    const client = connect(stack.redis.url);
    await client.set(stack.harness.store.keys.leaderLock, 'someone-else', 'PX', 60_000);
    await client.incr(stack.harness.store.keys.leaderFence);
    const before = await stack.harness.store.get(job.id);
    await stack.harness.waitFor(
      job.id,
      () => !stack.harness.scheduler.isLeader,
      'the old leader stepping down',
    );
    await stack.harness.stop();
    const after = await readJob(stack.redis.url, job.id);
    t.is(after?.status, 'RUNNING', 'the deposed leader did not move the job');
    t.deepEqual(after?.events, before?.events);

    await client.del(stack.harness.store.keys.leaderLock);
    client.disconnect();
    await stack.restart();
    const second = await stack.harness.executor.started(job.id);
    t.is(second.request.attempt, 2);
    second.settle(success());
    const done = await stack.harness.waitForStatus(job.id, 'SUCCEEDED');
    t.deepEqual(
      done.attempts.map((a) => a.outcome),
      ['lost', 'succeeded'],
    );
  },
);
