// The recovery pass ("no accepted job is ever lost"): every unfinished job without a BullMQ entry is
// queued again, and the jobs that have one cost no per-job reads, however many are queued.
import test from 'ava';
import type { Redis } from 'ioredis';
import { makeRunnable } from '../../scheduler/job-lifecycle.ts';
import { recoverQueuedJobs } from '../../scheduler/recovery.ts';
import { bullJobId, JobQueues } from '../../scheduler/store/job-queues.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { kernelJobSpec } from '../support/job-specs.ts';
import { type TestRedis, testRedis } from '../support/redis-server.ts';

let redis: TestRedis;
let client: Redis;
let store: JobStore;
let queues: JobQueues;
let queueClient: Redis;

test.beforeEach(async () => {
  redis = await testRedis();
  client = connect(redis.url);
  store = new JobStore(client);
  queueClient = connect(redis.url);
  queues = new JobQueues(queueClient, ['default', 'batch']);
});
test.afterEach.always(async () => {
  await queues?.close();
  queueClient?.disconnect();
  client?.disconnect();
  await redis?.stop();
});

const spec = (queue: string, gpus = 1) => kernelJobSpec({ queue, resources: { gpus } });

/** A job submitted the normal way: stored, enqueued, RUNNABLE. */
async function queuedJob(queue: string, gpus = 1) {
  const { record } = await store.create(spec(queue, gpus));
  await queues.enqueue(record);
  await makeRunnable(store, record.id, Date.now);
  return record;
}

/** Counts the records the pass reads. */
function countReads(): { count: number } {
  const reads = { count: 0 };
  const get = store.get.bind(store);
  store.get = (id) => {
    reads.count++;
    return get(id);
  };
  return reads;
}

test.serial('queued jobs of every queue and lane are left alone without reading any of them', async (t) => {
  for (let i = 0; i < 120; i++) await queuedJob(i % 2 === 0 ? 'default' : 'batch', i % 3 === 0 ? 4 : 1);
  const reads = countReads();
  t.is(await recoverQueuedJobs(store, queues), 0);
  t.is(reads.count, 0);
});

test.serial('a job whose entry is gone, and one stored but never enqueued, are queued again', async (t) => {
  for (let i = 0; i < 50; i++) await queuedJob('default');
  const lost = await queuedJob('batch', 4);
  const bull = queues.bullQueues().find((q) => q.bullName === 'batch~g4')!;
  await bull.queue.remove(bullJobId(lost.id));
  const { record: neverEnqueued } = await store.create(spec('default'));
  t.false(await queues.isQueued(lost));

  const reads = countReads();
  const logged: string[] = [];
  t.is(await recoverQueuedJobs(store, queues, (line) => logged.push(line)), 2);
  t.is(reads.count, 2, 'only the two without an entry were read');
  t.true(await queues.isQueued(lost));
  t.true(await queues.isQueued(neverEnqueued));
  t.deepEqual(logged, ['recovered 2 job(s) that had no queue entry']);
  t.is(await recoverQueuedJobs(store, queues), 0, 'a second pass finds nothing');
});

test.serial('entries are read a page at a time: more entries than a page are all seen', async (t) => {
  for (let i = 0; i < 25; i++) await queuedJob('default');
  const ids = await queues.deliveringIds(7);
  t.is(ids.size, 25);
});

test.serial('a job that finished after the ids were read is not queued again', async (t) => {
  const job = await queuedJob('default');
  await queues.bullQueues()[0]!.queue.remove(bullJobId(job.id));
  const idsInStatus = store.idsInStatus.bind(store);
  store.idsInStatus = async (statuses) => {
    const ids = await idsInStatus(statuses);
    // It finishes between the two reads of the pass.
    await store.transition(job.id, { from: ['RUNNABLE'], to: 'FAILED', reason: 'cancelled' });
    return ids;
  };
  t.is(await recoverQueuedJobs(store, queues), 0);
  t.false(await queues.isQueued(job));
});
