// The embedded Redis keeps a queued job compact: its record and its BullMQ job hash are listpacks, not
// hash tables (825 B less per job; bench/queued-jobs.ts measures the whole).
import test from 'ava';
import { JobSpecSchema } from '../../api/schemas/job-spec.ts';
import { JobQueues } from '../../scheduler/store/job-queues.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { BULL_PREFIX } from '../../scheduler/store/keys.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { testRedis } from '../support/redis-server.ts';

test('a queued job record and its BullMQ job are stored as listpacks', async (t) => {
  const redis = await testRedis();
  const client = connect(redis.url);
  const queues = new JobQueues(client, ['default']);
  t.teardown(async () => {
    await queues.close();
    client.disconnect();
    await redis.stop();
  });
  const store = new JobStore(client);
  const spec = JobSpecSchema.parse({
    name: 'compact',
    kind: 'kernel',
    kernel: 'standardize',
    input: `/data/${'nested/'.repeat(40)}in.npy`,
    output: '/data/out.npy',
  });

  const { record } = await store.create(spec);
  await queues.enqueue(record);

  const json = await client.hget(store.keys.job(record.id), 'json');
  t.true(json!.length > 500, 'the record is well over the default 64-byte listpack value limit');
  t.is(await client.call('OBJECT', 'ENCODING', store.keys.job(record.id)), 'listpack');
  const [, bullKeys] = await client.scan('0', 'MATCH', `${BULL_PREFIX}:*:${record.id}`, 'COUNT', '1000');
  t.is(bullKeys.length, 1);
  t.is(await client.call('OBJECT', 'ENCODING', bullKeys[0]!), 'listpack');
});
