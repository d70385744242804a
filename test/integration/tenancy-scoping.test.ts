// Tenancy through HTTP over a real Redis: a tenant sees and acts only on its own jobs, another tenant's
// job id answers exactly like an unknown one, and admins see every tenant.
import test from 'ava';
import { ARRAY_INDEX_PLACEHOLDERS } from '../../api/schemas/array-spec.ts';
import type { JobRecord } from '../../scheduler/job-record.ts';
import type { JobStore } from '../../scheduler/store/job-store.ts';
import { redisForFile } from '../support/redis-server.ts';
import type { SseEvent } from '../support/sse-client.ts';
import { type Caller, type TenantApi, tenantApi } from '../support/tenant-api.ts';

const redis = redisForFile(test);

const A: Caller = 'submitter:a';
const B: Caller = 'submitter:b';
const ADMIN: Caller = 'admin:ops';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
/** An array job's fields: its children write one output each. */
const arrayOf = (size: number) => ({
  arraySize: size,
  output: `/data/out-${ARRAY_INDEX_PLACEHOLDERS[0]}.npy`,
});

/** Moves a job to RUNNING with one attempt, so it has a log. */
async function startRunning(store: JobStore, id: string): Promise<void> {
  await store.transition(id, {
    from: ['RUNNABLE'],
    to: 'RUNNING',
    reason: 'running',
    patch: (r) => {
      r.attempts.push({
        number: 1,
        placement: { node: 'n1', gpuIndices: [0], gpuMilliPerGpu: 1000 },
        startedAt: 1,
      });
    },
  });
}

/** An answer's body with `id` replaced by "<id>" wherever it appears, to compare answers for different ids. */
function withoutId(body: unknown, id: string): unknown {
  return JSON.parse(JSON.stringify(body).replaceAll(id, '<id>'));
}

/** Every job route, as a request for `id`. */
const jobRoutes: Array<
  [string, (api: TenantApi, caller: Caller, id: string) => ReturnType<TenantApi['request']>]
> = [
  ['GET /v1/jobs/:id', (api, c, id) => api.request(c, 'GET', `/v1/jobs/${id}`)],
  ['POST cancel', (api, c, id) => api.request(c, 'POST', `/v1/jobs/${id}/cancel`, { reason: 'x' })],
  ['POST terminate', (api, c, id) => api.request(c, 'POST', `/v1/jobs/${id}/terminate`, { reason: 'x' })],
  ['POST retry-failed', (api, c, id) => api.request(c, 'POST', `/v1/jobs/${id}/retry-failed`)],
  ['GET logs', (api, c, id) => api.request(c, 'GET', `/v1/jobs/${id}/logs`)],
  ['GET events', (api, c, id) => api.request(c, 'GET', `/v1/jobs/${id}/events`)],
  ['GET events since', (api, c, id) => api.request(c, 'GET', `/v1/jobs/${id}/events?since=0-0`)],
];

test('another tenant’s job answers 404 on every job route, exactly like an unknown id, and is left untouched', async (t) => {
  const api = await tenantApi(t, redis.client);
  const running = (await api.submit(A)).body as JobRecord;
  await startRunning(api.store, running.id);
  const array = (await api.submit(A, arrayOf(2))).body as JobRecord;

  for (const [route, call] of jobRoutes) {
    for (const id of [running.id, array.id]) {
      const foreign = await call(api, B, id);
      const unknown = await call(api, B, UNKNOWN_ID);
      t.is(foreign.status, 404, `${route} of another tenant's job`);
      t.is(foreign.contentType, unknown.contentType, route);
      t.deepEqual(
        withoutId(foreign.body, id),
        withoutId(unknown.body, UNKNOWN_ID),
        `${route}: same body as an unknown id`,
      );
    }
  }
  t.is((await api.store.get(running.id))?.status, 'RUNNING', 'B’s terminate did nothing');
  t.falsy((await api.store.get(running.id))?.terminateRequested);
  t.is((await api.store.get(array.id))?.status, 'PENDING', 'B’s cancel did nothing');

  // The owner and an admin reach the same job on the same routes.
  t.is((await api.request(A, 'GET', `/v1/jobs/${running.id}`)).status, 200);
  t.is((await api.request(ADMIN, 'GET', `/v1/jobs/${running.id}`)).status, 200);
  const log = await api.request(A, 'GET', `/v1/jobs/${running.id}/logs`);
  t.is(log.status, 200);
  t.is(log.body, `log of ${running.id} attempt 1\n`);
  t.is(
    (await api.request(ADMIN, 'POST', `/v1/jobs/${array.id}/cancel`, { reason: 'admin' })).body.status,
    'FAILED',
  );
});

test('a job records its submitter’s tenant, and array children and job definitions’ jobs inherit it', async (t) => {
  const api = await tenantApi(t, redis.client);
  const plain = await api.submit(A);
  t.is(plain.status, 201);
  t.is(plain.body.tenant, 'a');
  const array = (await api.submit(B, arrayOf(3))).body as JobRecord;
  t.is(array.tenant, 'b');
  const child = await api.request(B, 'GET', `/v1/jobs/${array.id}:1`);
  t.is(child.status, 200);
  t.is(child.body.tenant, 'b');
  t.is(
    (await api.request(A, 'GET', `/v1/jobs/${array.id}:1`)).status,
    404,
    'a child is its parent’s tenant’s',
  );
  t.is((await api.submit(ADMIN)).body.tenant, 'ops', 'an admin’s job is its own tenant’s');

  const registered = await api.request(ADMIN, 'POST', '/v1/job-definitions', {
    name: 'nightly',
    kind: 'kernel',
    kernel: 'standardize',
    input: '/data/in.npy',
    output: '/data/out.npy',
    queue: 'gpu',
  });
  t.is(registered.status, 201);
  const fromDefinition = await api.request(B, 'POST', '/v1/jobs', { jobDefinition: 'nightly', name: 'n' });
  t.is(fromDefinition.status, 201);
  t.like(fromDefinition.body, { jobDefinition: 'nightly:1', tenant: 'b' });
});

test('a tenant’s list never holds another tenant’s jobs, page after page; an admin lists all or one tenant', async (t) => {
  const api = await tenantApi(t, redis.client);
  const ids: Record<string, string[]> = { a: [], b: [] };
  for (let i = 0; i < 7; i++) {
    ids['a']!.push((await api.submit(A, { name: `a-${i}` })).body.id);
    ids['b']!.push((await api.submit(B, { name: `b-${i}` })).body.id);
  }
  async function everyPage(caller: Caller, query = ''): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.request(
        caller,
        'GET',
        `/v1/jobs?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      t.is(page.status, 200);
      seen.push(...page.body.jobs.map((j: JobRecord) => j.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    return seen;
  }
  t.deepEqual(await everyPage(B), [...ids['b']!].reverse(), 'B: all of its own, newest first, none of A’s');
  t.deepEqual(await everyPage(A, '&status=RUNNABLE'), [...ids['a']!].reverse());
  t.deepEqual(await everyPage(B, '&tenant=b'), [...ids['b']!].reverse(), 'naming its own tenant is allowed');
  t.is((await everyPage(ADMIN)).length, 14);
  t.deepEqual(await everyPage(ADMIN, '&tenant=a'), [...ids['a']!].reverse());

  const other = await api.request(B, 'GET', '/v1/jobs?tenant=a');
  t.is(other.status, 403);
  t.is(other.body.errors[0].field, 'tenant');
});

test('the events stream of a tenant never carries another tenant’s events; an admin’s carries both', async (t) => {
  const api = await tenantApi(t, redis.client);
  const streamB = await api.events(B, '/v1/events');
  const streamAdmin = await api.events(ADMIN, '/v1/events');
  const a = (await api.submit(A)).body as JobRecord;
  await startRunning(api.store, a.id);
  const b = (await api.submit(B)).body as JobRecord;
  await startRunning(api.store, b.id);

  const jobOf = (e: SseEvent) => JSON.parse(e.data) as { jobId: string; tenant: string };
  // B's own job's 3 events (SUBMITTED, RUNNABLE, RUNNING) come after all of A's, so A's would be here.
  const seenByB = await streamB.take(3);
  t.deepEqual(
    seenByB.map((e) => jobOf(e).jobId),
    [b.id, b.id, b.id],
  );
  t.true(seenByB.every((e) => jobOf(e).tenant === 'b'));
  const seenByAdmin = await streamAdmin.take(6);
  t.deepEqual(new Set(seenByAdmin.map((e) => jobOf(e).jobId)), new Set([a.id, b.id]));

  // Replays too: from the beginning, B gets only its own.
  const replay = await api.events(B, '/v1/events?since=0-0');
  t.deepEqual(
    (await replay.take(3)).map((e) => jobOf(e).jobId),
    [b.id, b.id, b.id],
  );
  // A job's own stream opens for its tenant and is 404 for another (the route table above).
  const own = await api.events(A, `/v1/jobs/${a.id}/events`);
  t.is(own.status, 200);
  t.is((await api.events(ADMIN, '/v1/events?tenant=zzz')).status, 200);
  t.is((await api.events(B, '/v1/events?tenant=a')).status, 403);
});

test('a dependency on another tenant’s job is refused as not found, naming the field; an admin may', async (t) => {
  const api = await tenantApi(t, redis.client);
  const a = (await api.submit(A)).body as JobRecord;
  const foreign = await api.submit(B, { dependsOn: [{ jobId: a.id }] });
  const unknown = await api.submit(B, { dependsOn: [{ jobId: UNKNOWN_ID }] });
  t.is(foreign.status, 422);
  t.is(foreign.body.errors[0].field, 'dependsOn[0].jobId');
  t.deepEqual(withoutId(foreign.body, a.id), withoutId(unknown.body, UNKNOWN_ID));
  const arrayOfA = (await api.submit(A, arrayOf(2))).body as JobRecord;
  const nToN = await api.submit(B, { ...arrayOf(2), dependsOn: [{ jobId: arrayOfA.id, type: 'N_TO_N' }] });
  t.is(nToN.status, 422);

  t.is((await api.submit(A, { dependsOn: [{ jobId: a.id }] })).status, 201, 'its own tenant’s job');
  const byAdmin = await api.submit(ADMIN, { dependsOn: [{ jobId: a.id }] });
  t.is(byAdmin.status, 201);
  t.is(byAdmin.body.tenant, 'ops');
});

test('an idempotency key is the tenant’s own: another tenant’s same key makes its own job', async (t) => {
  const api = await tenantApi(t, redis.client);
  const first = await api.submit(A, { idempotencyKey: 'nightly-1' });
  const again = await api.submit(A, { idempotencyKey: 'nightly-1' });
  const other = await api.submit(B, { idempotencyKey: 'nightly-1' });
  t.is(first.status, 201);
  t.is(again.status, 200);
  t.is(again.body.id, first.body.id);
  t.is(other.status, 201, 'not A’s job');
  t.not(other.body.id, first.body.id);
  t.is(other.body.tenant, 'b');
});

test('records stored before tenancy read as the default tenant’s, and list there once indexes are migrated', async (t) => {
  const api = await tenantApi(t, redis.client);
  const submitted = (await api.submit('submitter:default')).body as JobRecord;
  // As an older version stored it: no tenant in the record, its hash or the tenant index.
  const { tenant: _tenant, ...old } = submitted;
  const key = api.store.keys.job(submitted.id);
  await redis.client.hset(key, 'json', JSON.stringify(old));
  await redis.client.hdel(key, 'tenant');
  await redis.client.zrem(api.store.keys.byTenant('default'), submitted.id);
  await redis.client.del(api.store.keys.indexVersion);

  const seen = await api.request('viewer:default', 'GET', `/v1/jobs/${submitted.id}`);
  t.is(seen.status, 200);
  t.is(seen.body.tenant, 'default');
  t.is((await api.request(B, 'GET', `/v1/jobs/${submitted.id}`)).status, 404);
  t.deepEqual((await api.request('viewer:default', 'GET', '/v1/jobs')).body.jobs, []);
  await api.store.migrateIndexesOnce();
  t.deepEqual(
    (await api.request('viewer:default', 'GET', '/v1/jobs')).body.jobs.map((j: JobRecord) => j.id),
    [submitted.id],
  );
});

test('retention deletes a tenant’s job with its tenant index entry and its idempotency key', async (t) => {
  const api = await tenantApi(t, redis.client);
  const job = (await api.submit(B, { idempotencyKey: 'k1' })).body as JobRecord;
  await api.request(B, 'POST', `/v1/jobs/${job.id}/cancel`);
  t.is(await redis.client.zcard(api.store.keys.byTenant('b')), 1);

  t.is((await api.store.expireFinished(Date.now() + 1000, 100)).expired, 1);
  t.is(await redis.client.zcard(api.store.keys.byTenant('b')), 0);
  t.is(await redis.client.exists(api.store.keys.tenantIdempotency('b', 'k1')), 0);
  const again = await api.submit(B, { idempotencyKey: 'k1' });
  t.is(again.status, 201, 'the key is free again');
  t.not(again.body.id, job.id);
});
