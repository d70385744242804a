import test from 'ava';
import type { Redis } from 'ioredis';
import { JobSpecSchema } from '../../api/schemas/job-spec.ts';
import { FencedError } from '../../scheduler/store/errors.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { type TestRedis, testRedis } from '../support/redis-server.ts';

let redis: TestRedis;
let client: Redis;
let clock = 1_000;
let store: JobStore;

test.before(async () => {
  redis = await testRedis();
  client = connect(redis.url);
  store = new JobStore(client, { now: () => clock++ });
});

test.after.always(async () => {
  client?.disconnect();
  await redis?.stop();
});

const spec = (overrides: Record<string, unknown> = {}) =>
  JobSpecSchema.parse({
    name: 'z',
    kind: 'kernel',
    kernel: 'standardize',
    input: 'in.npy',
    output: 'out.npy',
    ...overrides,
  });

test('a new job is stored SUBMITTED with its first event', async (t) => {
  const { record, created } = await store.create(spec());
  t.true(created);
  const stored = await store.get(record.id);
  t.is(stored?.status, 'SUBMITTED');
  t.deepEqual(
    stored?.events.map((e) => e.status),
    ['SUBMITTED'],
  );
});

test('the same idempotency key returns the same job, once', async (t) => {
  const first = await store.create(spec({ idempotencyKey: 'k-1' }));
  const second = await store.create(spec({ idempotencyKey: 'k-1', name: 'other' }));
  t.true(first.created);
  t.false(second.created);
  t.is(second.record.id, first.record.id);
  t.is(second.record.spec.name, 'z');
});

test('a transition only leaves the states it names, and records an event', async (t) => {
  const { record } = await store.create(spec());
  const moved = await store.transition(record.id, { from: ['SUBMITTED'], to: 'RUNNABLE', reason: 'r1' });
  t.is(moved?.status, 'RUNNABLE');
  const refused = await store.transition(record.id, { from: ['SUBMITTED'], to: 'FAILED', reason: 'r2' });
  t.is(refused?.status, 'RUNNABLE', 'unchanged: it was not SUBMITTED any more');
  const events = (await store.get(record.id))?.events.map((e) => `${e.status}:${e.reason}`);
  t.deepEqual(events, ['SUBMITTED:Job accepted', 'RUNNABLE:r1']);
});

test('concurrent updates are all applied (compare-and-set retries, no lost write)', async (t) => {
  const { record } = await store.create(spec());
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      store.update(record.id, (r) => {
        r.events.push({ at: i, status: r.status, reason: `note ${i}` });
        return r;
      }),
    ),
  );
  t.is((await store.get(record.id))?.events.length, 21);
});

test('a write carrying a stale fencing token is refused', async (t) => {
  const { record } = await store.create(spec());
  await client.set(store.keys.leaderFence, '7');
  await t.throwsAsync(
    store.transition(record.id, { from: ['SUBMITTED'], to: 'RUNNABLE', reason: 'x' }, { fence: '6' }),
    { instanceOf: FencedError },
  );
  const ok = await store.transition(
    record.id,
    { from: ['SUBMITTED'], to: 'RUNNABLE', reason: 'x' },
    { fence: '7' },
  );
  t.is(ok?.status, 'RUNNABLE');
});

test('listing filters by queue and status and pages with a cursor, newest first', async (t) => {
  const local = new JobStore(client, { prefix: 'list-test', now: () => clock++ });
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    const { record } = await local.create(spec({ queue: i % 2 ? 'odd' : 'even', name: `j${i}` }));
    ids.push(record.id);
  }
  await local.transition(ids[2]!, { from: ['SUBMITTED'], to: 'RUNNABLE', reason: 'x' });
  const firstPage = await local.list({ limit: 3 });
  t.deepEqual(
    firstPage.records.map((r) => r.spec.name),
    ['j6', 'j5', 'j4'],
  );
  const secondPage = await local.list({ limit: 3, after: firstPage.next });
  t.deepEqual(
    secondPage.records.map((r) => r.spec.name),
    ['j3', 'j2', 'j1'],
  );
  const odd = await local.list({ limit: 10, queue: 'odd' });
  t.deepEqual(
    odd.records.map((r) => r.spec.name),
    ['j5', 'j3', 'j1'],
  );
  const evenSubmitted = await local.list({ limit: 10, queue: 'even', status: 'SUBMITTED' });
  t.deepEqual(
    evenSubmitted.records.map((r) => r.spec.name),
    ['j6', 'j4', 'j0'],
  );
});

test('progress is stored beside the record without bumping its version', async (t) => {
  const { record } = await store.create(spec());
  const before = await store.read(record.id);
  await store.setProgress(record.id, { done: 5, total: 10, at: 1 });
  const after = await store.read(record.id);
  t.is(after?.version, before?.version);
  t.deepEqual(after?.record.progress, { done: 5, total: 10, at: 1 });
});

test.serial('fair-share usage is saved only by the current leader, and read back as saved', async (t) => {
  await client.set(store.keys.leaderFence, '9');
  await store.saveFairShareUsage({ usage: { a: 2 }, at: 100 }, '9');
  await t.throwsAsync(store.saveFairShareUsage({ usage: { a: 50 }, at: 200 }, '8'), {
    instanceOf: FencedError,
  });
  t.deepEqual(await store.loadFairShareUsage(), { usage: { a: 2 }, at: 100 });
});

test.serial('a garbled or negative saved usage reads as none', async (t) => {
  await client.set(store.keys.fairShareUsage, '{"usage":{"a":-1},"at":5}');
  t.is(await store.loadFairShareUsage(), undefined);
  await client.set(store.keys.fairShareUsage, 'not json');
  t.is(await store.loadFairShareUsage(), undefined);
});
