// Indexes an older version wrote (scored by insertion sequence, no finished set) are brought up to date once.
import test from 'ava';
import { JobSpecSchema } from '../../api/schemas/job-spec.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { redisForFile } from '../support/redis-server.ts';

const redis = redisForFile(test);

const spec = (name: string) =>
  JobSpecSchema.parse({
    name,
    queue: 'q',
    kind: 'kernel',
    kernel: 'standardize',
    input: 'in.npy',
    output: 'out.npy',
  });

test('old sequence scores become creation times and finished jobs enter the finished set, once', async (t) => {
  const clock = { now: 1_700_000_000_000 };
  const store = new JobStore(redis.client, { prefix: 'migrate', now: () => clock.now });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    clock.now += 1000;
    ids.push((await store.create(spec(`m-${i}`))).record.id);
  }
  clock.now += 1000;
  await store.transition(ids[0]!, {
    from: ['SUBMITTED'],
    to: 'SUCCEEDED',
    reason: 'done',
    patch: (r) => {
      r.stoppedAt = 1_700_000_003_500;
    },
  });
  await store.transition(ids[1]!, { from: ['SUBMITTED'], to: 'FAILED', reason: 'x' });
  // What the older version left: indexes scored by the sequence number, no finished set.
  const k = store.keys;
  for (const [i, id] of ids.entries()) {
    const status = i === 0 ? 'SUCCEEDED' : i === 1 ? 'FAILED' : 'SUBMITTED';
    for (const key of [k.allJobs, k.byQueue('q'), k.byStatus(status)])
      await redis.client.zadd(key, 'XX', i + 1, id);
  }
  await redis.client.del(k.finishedJobs);

  t.is(await store.migrateIndexesOnce(), 5);
  for (const [i, id] of ids.entries())
    t.is(Number(await redis.client.zscore(k.allJobs, id)), 1_700_000_001_000 + i * 1000);
  t.is(Number(await redis.client.zscore(k.byStatus('FAILED'), ids[1]!)), 1_700_000_002_000);
  t.deepEqual(await redis.client.zrange(k.finishedJobs, '0', '-1', 'WITHSCORES'), [
    ids[0]!,
    '1700000003500',
    ids[1]!,
    String(clock.now),
  ]);
  t.deepEqual(
    (await store.list({ limit: 10, createdAfter: 1_700_000_002_500 })).records.map((r) => r.spec.name),
    ['m-4', 'm-3', 'm-2'],
  );
  t.is(await store.migrateIndexesOnce(), 0, 'done once');
});
