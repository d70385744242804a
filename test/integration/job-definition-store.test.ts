// The job definition store on a real Redis: atomic revision numbering, deregistration, listing.
import test from 'ava';
import type { Redis } from 'ioredis';
import { JobDefinitionSchema } from '../../api/schemas/job-definition.ts';
import { JobSpecSchema } from '../../api/schemas/job-spec.ts';
import { JobDefinitionStore } from '../../scheduler/store/job-definition-store.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { type TestRedis, testRedis } from '../support/redis-server.ts';

let redis: TestRedis;
const clients: Redis[] = [];
let clock = 1_000;

test.before(async () => {
  redis = await testRedis();
});

test.after.always(async () => {
  for (const client of clients) client.disconnect();
  await redis?.stop();
});

/** A store on its own connection, under its own key prefix so tests do not see each other's names. */
function aStore(prefix: string): JobDefinitionStore {
  const client = connect(redis.url);
  clients.push(client);
  return new JobDefinitionStore(client, { prefix, now: () => clock++ });
}

const definition = (name: string, overrides: Record<string, unknown> = {}) =>
  JobDefinitionSchema.parse({
    name,
    kind: 'kernel',
    kernel: 'standardize',
    input: '/data/Ref::day.npy',
    output: '/out/Ref::day.npy',
    params: { ddof: 0.1 },
    ...overrides,
  });

test('20 concurrent registrations of one name from 4 connections get revisions 1..20, no gaps or duplicates', async (t) => {
  const stores = [1, 2, 3, 4].map(() => aStore('race'));
  const records = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      stores[i % 4]!.register(definition('busy', { tags: { n: String(i) } })),
    ),
  );
  const revisions = records.map((r) => r.revision).sort((a, b) => a - b);
  t.deepEqual(
    revisions,
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  // Each stored revision holds the registration that got that number.
  for (const record of records) {
    t.deepEqual((await stores[0]!.get('busy', record.revision))?.tags, record.tags);
  }
  t.is((await stores[0]!.latestActive('busy'))?.revision, 20);
});

test('a registration reads back as written, with its reference, status and time', async (t) => {
  const store = aStore('read');
  const registered = await store.register(definition('resize', { resources: { gpuMilli: 250 } }));
  const read = await store.get('resize', 1);
  t.deepEqual(read, registered);
  t.like(read, {
    jobDefinition: 'resize:1',
    status: 'ACTIVE',
    params: { ddof: 0.1 },
    resources: { gpuMilli: 250 },
  });
  t.is(await store.get('resize', 2), undefined);
  t.is(await store.get('other', 1), undefined);
});

test('deregistering moves the latest ACTIVE revision back; names keep counting after it', async (t) => {
  const store = aStore('dereg');
  await store.register(definition('d'));
  await store.register(definition('d'));

  const inactive = await store.deregister('d', 2);
  const again = await store.deregister('d', 2);

  t.like(inactive, { status: 'INACTIVE', revision: 2 });
  t.is(again?.deregisteredAt, inactive?.deregisteredAt, 'a second deregister changes nothing');
  t.is((await store.latestActive('d'))?.revision, 1);
  await store.deregister('d', 1);
  t.is(await store.latestActive('d'), undefined);
  t.is((await store.register(definition('d'))).revision, 3, 'revision numbers are never reused');
  t.is(await store.deregister('d', 9), undefined);
});

test('listing is newest first, filters by name and status, and pages with a cursor', async (t) => {
  const store = aStore('list');
  for (const name of ['a', 'b', 'a', 'c', 'a']) await store.register(definition(name));
  await store.deregister('a', 2);

  const ids = (page: { jobDefinitions: { jobDefinition: string }[] }) =>
    page.jobDefinitions.map((d) => d.jobDefinition);
  t.deepEqual(ids(await store.list({ limit: 50 })), ['a:3', 'c:1', 'a:2', 'b:1', 'a:1']);
  t.deepEqual(ids(await store.list({ name: 'a', limit: 50 })), ['a:3', 'a:2', 'a:1']);
  t.deepEqual(ids(await store.list({ name: 'a', status: 'ACTIVE', limit: 50 })), ['a:3', 'a:1']);
  t.deepEqual(ids(await store.list({ status: 'INACTIVE', limit: 50 })), ['a:2']);

  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ limit: 2, ...(cursor ? { cursor } : {}) });
    seen.push(...ids(page));
    cursor = page.nextCursor;
  } while (cursor);
  t.deepEqual(seen, ['a:3', 'c:1', 'a:2', 'b:1', 'a:1']);
});

test('a job created from a definition keeps its "name:revision" in the stored record', async (t) => {
  const client = connect(redis.url);
  clients.push(client);
  const jobs = new JobStore(client, { prefix: 'origin' });
  const spec = JobSpecSchema.parse({ name: 'j', kind: 'kernel', kernel: 'k', input: 'i', output: 'o' });

  const { record } = await jobs.create(spec, { jobDefinition: 'resize:3' });
  const direct = await jobs.create(spec);

  t.is((await jobs.get(record.id))?.jobDefinition, 'resize:3');
  t.false('jobDefinition' in (await jobs.get(direct.record.id))!);
});
