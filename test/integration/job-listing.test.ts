// Listing jobs from Redis: filters, and a cursor that neither skips nor repeats a job while others are
// created, change status or expire between pages.
import test from 'ava';
import { JobSpecSchema } from '../../api/schemas/job-spec.ts';
import type { JobStatus } from '../../scheduler/job-record.ts';
import type { JobPageQuery } from '../../scheduler/store/job-index.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { redisForFile } from '../support/redis-server.ts';

const redis = redisForFile(test);

function clockedStore(prefix: string) {
  const clock = { now: 1_000 };
  return { clock, store: new JobStore(redis.client, { prefix, now: () => clock.now }) };
}

const spec = (overrides: Record<string, unknown> = {}) =>
  JobSpecSchema.parse({
    name: 'j',
    kind: 'kernel',
    kernel: 'standardize',
    input: 'in.npy',
    output: 'out.npy',
    ...overrides,
  });

/** Every page of a query, following cursors; `between` runs after each page. */
async function allPages(store: JobStore, query: Omit<JobPageQuery, 'after'>, between?: () => Promise<void>) {
  const names: string[] = [];
  let after: JobPageQuery['after'];
  let pages = 0;
  do {
    const page = await store.list({ ...query, after });
    names.push(...page.records.map((r) => r.spec.name));
    after = page.next;
    pages++;
    await between?.();
  } while (after && pages < 10_000);
  return { names, pages };
}

test('filters by name prefix, share, queue, status and creation time, newest first', async (t) => {
  const { clock, store } = clockedStore('list-filters');
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    clock.now = 1_000 + i * 10;
    const { record } = await store.create(
      spec({
        name: `${i % 2 ? 'train' : 'eval'}-${i}`,
        queue: i % 3 ? 'a' : 'b',
        shareIdentifier: `team${i % 4}`,
      }),
    );
    ids.push(record.id);
  }
  await store.transition(ids[4]!, { from: ['SUBMITTED'], to: 'RUNNABLE', reason: 'x' });
  await store.transition(ids[7]!, { from: ['SUBMITTED'], to: 'RUNNABLE', reason: 'x' });
  const names = async (query: Omit<JobPageQuery, 'after' | 'limit'>) =>
    (await allPages(store, { limit: 3, ...query })).names;

  t.deepEqual(await names({ namePrefix: 'train' }), [
    'train-11',
    'train-9',
    'train-7',
    'train-5',
    'train-3',
    'train-1',
  ]);
  t.deepEqual(await names({ share: 'team1' }), ['train-9', 'train-5', 'train-1']);
  t.deepEqual(await names({ queue: 'b' }), ['train-9', 'eval-6', 'train-3', 'eval-0']);
  t.deepEqual(await names({ status: 'RUNNABLE' }), ['train-7', 'eval-4'], 'status keeps creation order');
  t.deepEqual(await names({ status: 'SUBMITTED', queue: 'b' }), ['train-9', 'eval-6', 'train-3', 'eval-0']);
  t.deepEqual(
    await names({ createdAfter: 1_030, createdBefore: 1_070 }),
    ['eval-6', 'train-5', 'eval-4'],
    'both bounds exclusive',
  );
  t.deepEqual(await names({ createdBefore: 1_020, namePrefix: 'eval' }), ['eval-0']);
  t.deepEqual(await names({ namePrefix: 'nothing' }), []);
});

test('jobs created in the same millisecond page in id order, none skipped or repeated, across batches', async (t) => {
  const { store } = clockedStore('list-ties');
  const created: string[] = [];
  for (let i = 0; i < 450; i++) created.push((await store.create(spec({ name: `same-${i}` }))).record.id);
  const ids: string[] = [];
  let after: JobPageQuery['after'];
  do {
    const page = await store.list({ limit: 7, after });
    ids.push(...page.records.map((r) => r.id));
    after = page.next;
  } while (after);
  t.deepEqual(ids, [...created].sort().reverse());
});

test('a page cursor neither skips nor repeats jobs while others change status or are created', async (t) => {
  const { clock, store } = clockedStore('list-stable');
  const ids: string[] = [];
  for (let i = 0; i < 60; i++) {
    clock.now++;
    ids.push((await store.create(spec({ name: `s-${String(i).padStart(2, '0')}` }))).record.id);
  }
  const stayRunnable = new Set<string>();
  for (const [i, id] of ids.entries()) {
    await store.transition(id, { from: ['SUBMITTED'], to: 'RUNNABLE', reason: 'queued' });
    if (i % 3 === 0) stayRunnable.add(id);
  }
  let step = 0;
  const churn = async () => {
    step++;
    // Move some jobs out of RUNNABLE (never the ones the assertion follows), create new ones.
    for (const id of ids.filter((id, i) => !stayRunnable.has(id) && i % 7 === step % 7))
      await store.transition(id, { from: ['RUNNABLE'], to: 'RUNNING', reason: 'placed' });
    clock.now++;
    await store.create(spec({ name: `new-${step}` }));
  };
  const all = await allPages(store, { limit: 4 }, churn);
  const everyOld = ids.map((_, i) => `s-${String(i).padStart(2, '0')}`).reverse();
  t.deepEqual(
    all.names.filter((n) => n.startsWith('s-')),
    everyOld,
    'every job that existed at the start, once, in order; jobs created after the first page come before it',
  );
  t.deepEqual(
    all.names.filter((n) => n.startsWith('new-')),
    [],
    'newer jobs sort before the first page',
  );

  step = 0;
  const runnable = await allPages(store, { status: 'RUNNABLE' as JobStatus, limit: 3 }, churn);
  const followed = ids.filter((id) => stayRunnable.has(id)).length;
  const seen = runnable.names.filter((n) =>
    ids.some((_, i) => stayRunnable.has(ids[i]!) && n === `s-${String(i).padStart(2, '0')}`),
  );
  t.is(seen.length, followed, 'each job that stayed RUNNABLE throughout appears exactly once');
  t.is(new Set(runnable.names).size, runnable.names.length, 'no job appears twice');
});

test('a selective filter ends a page after a bounded scan, with a cursor to continue', async (t) => {
  const { clock, store } = clockedStore('list-scan');
  for (let i = 0; i < 30; i++) {
    clock.now++;
    await store.create(spec({ name: i === 2 ? 'needle' : `hay-${i}` }));
  }
  const first = await store.list({ namePrefix: 'needle', limit: 5, maxScanned: 10 });
  t.deepEqual(first.records, [], 'the 10 newest do not match');
  t.truthy(first.next);
  const all = await allPages(store, { namePrefix: 'needle', limit: 5, maxScanned: 10 });
  t.deepEqual(all.names, ['needle']);
  t.is(all.pages, 3);
});

test('a cursor still works when the job it ended on has expired since', async (t) => {
  const { clock, store } = clockedStore('list-expired');
  for (let i = 0; i < 6; i++) {
    clock.now++;
    await store.create(spec({ name: `e-${i}` }));
  }
  const first = await store.list({ limit: 3 });
  const last = first.records.at(-1)!;
  await store.transition(last.id, { from: ['SUBMITTED'], to: 'FAILED', reason: 'cancelled' });
  t.like(await store.expireFinished(clock.now, 10), { expired: 1 });
  const second = await store.list({ limit: 3, after: first.next });
  t.deepEqual(
    second.records.map((r) => r.spec.name),
    ['e-2', 'e-1', 'e-0'],
  );
});
