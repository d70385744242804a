// The awkward interleavings: a cancel landing between placement and start, a storage error mid-drive,
// a failed start of leadership, and a scheduler deposed while its attempts run.
import test from 'ava';
import type { JobRecord } from '../../scheduler/job-record.ts';
import type { JobStore } from '../../scheduler/store/job-store.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { gpuNodes } from '../support/builders.ts';
import { success } from '../support/fake-executor.ts';
import { type TestRedis, testRedis } from '../support/redis-server.ts';
import { readJob, type SchedulerHarness, schedulerHarness } from '../support/scheduler-harness.ts';

let redis: TestRedis;
let harness: SchedulerHarness;

test.beforeEach(async () => {
  redis = await testRedis();
  harness = await schedulerHarness(redis.url, gpuNodes(1, { gpus: 2, cpuMilli: 8000, memoryMiB: 16_384 }));
});

test.afterEach.always(async () => {
  await harness?.stop();
  await redis?.stop();
});

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
  beforeTransitionTo(harness.store, 'STARTING', async (id) => {
    await harness.jobs.cancel(id, 'changed my mind');
  });
  const job = await harness.submit({ resources: { gpus: 2 } });
  const failed = await harness.waitForStatus(job.id, 'FAILED');
  t.is(failed.statusReason, 'Cancelled: changed my mind');
  t.is(failed.attempts.length, 0);
  t.false(
    harness.executor.attempts.some((a) => a.request.jobId === job.id),
    'nothing was started',
  );
  const next = await harness.submit({ resources: { gpus: 2 } });
  (await harness.executor.started(next.id)).settle(success());
  await harness.waitForStatus(next.id, 'SUCCEEDED');
  t.pass('the capacity it was placed on was given back');
});

test.serial(
  'a storage error on the STARTING write gives the capacity back and the job runs later',
  async (t) => {
    beforeTransitionTo(harness.store, 'STARTING', async () => {
      throw new Error('READONLY You can not write against a read only replica');
    });
    const job = await harness.submit({ resources: { gpus: 2 } });
    const attempt = await harness.executor.started(job.id);
    attempt.settle(success());
    const done = await harness.waitForStatus(job.id, 'SUCCEEDED');
    t.is(done.attempts.length, 1);
  },
);

test.serial('a failure right after taking the leader lock is retried; readiness waits for it', async (t) => {
  await harness.stop();
  const original = harness.store.idsInStatus;
  harness = await harness.restart({
    beforeStart: (store) => {
      let failures = 1;
      store.idsInStatus = async (statuses) => {
        if (failures-- > 0) throw new Error('LOADING Redis is loading the dataset in memory');
        return original.call(store, statuses);
      };
    },
    awaitLeading: false,
  });
  t.false(harness.scheduler.isLeader, 'not ready while recovery has not run');
  await harness.waitUntilLeading();
  const job = await harness.submit();
  (await harness.executor.started(job.id)).settle(success());
  await harness.waitForStatus(job.id, 'SUCCEEDED');
  t.true(harness.scheduler.isLeader);
});

test.serial(
  'a deposed leader writes nothing more; the new leader records the attempt lost and reruns it',
  async (t) => {
    const job = await harness.submit();
    const first = await harness.executor.started(job.id);
    first.hooks.onStarted();
    await harness.waitForStatus(job.id, 'RUNNING');

    // Another scheduler takes the lock (as after a long pause of this one): a new holder, a new fence.
    const client = connect(redis.url);
    await client.set(harness.store.keys.leaderLock, 'someone-else', 'PX', 60_000);
    await client.incr(harness.store.keys.leaderFence);
    const before = await harness.store.get(job.id);
    await harness.waitFor(job.id, () => !harness.scheduler.isLeader, 'the old leader stepping down');
    await harness.stop();
    const after = await readJob(redis.url, job.id);
    t.is(after?.status, 'RUNNING', 'the deposed leader did not move the job');
    t.deepEqual(after?.events, before?.events);

    await client.del(harness.store.keys.leaderLock);
    client.disconnect();
    harness = await harness.restart();
    const second = await harness.executor.started(job.id);
    t.is(second.request.attempt, 2);
    second.settle(success());
    const done = await harness.waitForStatus(job.id, 'SUCCEEDED');
    t.deepEqual(
      done.attempts.map((a) => a.outcome),
      ['lost', 'succeeded'],
    );
  },
);
