// Size lanes of a job queue in BullMQ: where jobs go, and jobs queued before lanes existed.
import test from 'ava';
import { Queue } from 'bullmq';
import { JobSpecSchema } from '../../api/schemas/job-spec.ts';
import { JobQueues } from '../../scheduler/store/job-queues.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { BULL_PREFIX } from '../../scheduler/store/keys.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { type TestRedis, testRedis } from '../support/redis-server.ts';

let redis: TestRedis;
test.beforeEach(async () => {
  redis = await testRedis();
});
test.afterEach.always(async () => {
  await redis?.stop();
});

const spec = (gpus: number) =>
  JobSpecSchema.parse({
    name: `needs-${gpus}`,
    kind: 'kernel',
    kernel: 'standardize',
    input: 'a.npy',
    output: 'b.npy',
    resources: { gpus },
  });

test.serial('a job goes to the BullMQ queue of its size lane, and only there', async (t) => {
  const client = connect(redis.url);
  const store = new JobStore(client);
  const queues = new JobQueues(client, ['default']);
  const { record: small } = await store.create(spec(1));
  const { record: large } = await store.create(spec(4));
  await queues.enqueue(small);
  await queues.enqueue(large);
  const counts = async (name: string) => {
    const queue = new Queue(name, { connection: client, prefix: BULL_PREFIX });
    const waiting = (await queue.getJobs(['waiting', 'prioritized'])).map((job) => job.id);
    await queue.close();
    return waiting;
  };
  t.deepEqual(await counts('default'), [small.id]);
  t.deepEqual(await counts('default~g4'), [large.id]);
  t.true(await queues.isQueued(large));
  await queues.close();
  client.disconnect();
});

test.serial(
  'a large job queued before lanes (in the queue itself) counts as queued: no second entry',
  async (t) => {
    const client = connect(redis.url);
    const store = new JobStore(client);
    const queues = new JobQueues(client, ['default']);
    const { record } = await store.create(spec(4));
    const legacy = new Queue('default', { connection: client, prefix: BULL_PREFIX });
    await legacy.add('attempt', { jobId: record.id }, { jobId: record.id });
    t.true(await queues.isQueued(record));
    await legacy.close();
    await queues.close();
    client.disconnect();
  },
);
