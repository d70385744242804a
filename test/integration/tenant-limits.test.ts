// Tenants' settings over HTTP and a real Redis: the queues a tenant may use and its maxQueuedJobs, which
// holds exactly under concurrent submissions and follows its jobs through their lives.
import test from 'ava';
import { ARRAY_INDEX_PLACEHOLDERS } from '../../api/schemas/array-spec.ts';
import type { JobRecord } from '../../scheduler/job-record.ts';
import { redisForFile } from '../support/redis-server.ts';
import { type Caller, type TenantApi, tenantApi } from '../support/tenant-api.ts';

const redis = redisForFile(test);

const A: Caller = 'submitter:a';
const B: Caller = 'submitter:b';
const ADMIN: Caller = 'admin:ops';

const arrayOf = (size: number) => ({
  arraySize: size,
  output: `/data/out-${ARRAY_INDEX_PLACEHOLDERS[0]}.npy`,
});

async function setTenant(api: TenantApi, name: string, settings: Record<string, unknown>) {
  const reply = await api.request(ADMIN, 'PUT', `/v1/admin/tenants/${name}`, settings);
  if (reply.status !== 200)
    throw new Error(`PUT tenant ${name}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

const queuedJobs = async (api: TenantApi, name: string): Promise<number> =>
  (await api.request(ADMIN, 'GET', `/v1/admin/tenants/${name}`)).body.queuedJobs;

test('admins set, read and list tenants; anyone else is refused', async (t) => {
  const api = await tenantApi(t, redis.client);
  const set = await setTenant(api, 'b', { queues: ['cpu'], maxQueuedJobs: 5 });
  t.like(set, { name: 'b', queues: ['cpu'], maxQueuedJobs: 5, queuedJobs: 0 });
  t.is(typeof set.updatedAt, 'number');
  await api.submit(A);
  const list = await api.request(ADMIN, 'GET', '/v1/admin/tenants');
  t.deepEqual(
    list.body.tenants.map((x: { name: string; queuedJobs: number }) => [x.name, x.queuedJobs]),
    [
      ['a', 1],
      ['b', 0],
    ],
    'a tenant never set is listed once it has jobs',
  );
  t.deepEqual((await api.request(ADMIN, 'GET', '/v1/admin/tenants/nobody')).body, {
    name: 'nobody',
    queuedJobs: 0,
  });
  // PUT replaces: what is left out goes back to the default.
  t.deepEqual(Object.keys(await setTenant(api, 'b', { maxQueuedJobs: 7 })).sort(), [
    'maxQueuedJobs',
    'name',
    'queuedJobs',
    'updatedAt',
  ]);

  for (const caller of [A, 'viewer:b'] as const) {
    t.is((await api.request(caller, 'GET', '/v1/admin/tenants')).status, 403);
    t.is((await api.request(caller, 'PUT', '/v1/admin/tenants/a', { maxQueuedJobs: 1000 })).status, 403);
  }
  const typo = await api.request(ADMIN, 'PUT', '/v1/admin/tenants/b', { queues: ['cpu', 'gpux'] });
  t.is(typo.status, 422);
  t.is(typo.body.errors[0].field, 'queues[1]');
  const negative = await api.request(ADMIN, 'PUT', '/v1/admin/tenants/b', { maxQueuedJobs: -1 });
  t.is(negative.status, 400);
  t.is(negative.body.errors[0].field, 'maxQueuedJobs');
});

test('a tenant submits only to its queues (403 naming queue) and lists only those', async (t) => {
  const api = await tenantApi(t, redis.client);
  await setTenant(api, 'b', { queues: ['cpu'] });
  const refused = await api.submit(B, { queue: 'gpu' });
  t.is(refused.status, 403);
  t.is(refused.contentType, 'application/problem+json; charset=utf-8');
  t.is(refused.body.type, 'urn:gpubatch:problem:forbidden');
  t.is(refused.body.errors[0].field, 'queue');
  t.regex(refused.body.detail, /may not use queue "gpu"; its queues: cpu/);
  t.is((await api.submit(B, { queue: 'cpu', resources: {} })).status, 201);
  t.is((await api.submit(A, { queue: 'gpu' })).status, 201, 'a tenant never set may use every queue');

  t.deepEqual((await api.request(B, 'GET', '/v1/queues')).body.queues, ['cpu']);
  t.deepEqual((await api.request(A, 'GET', '/v1/queues')).body.queues, ['gpu', 'cpu']);
  t.deepEqual((await api.request(ADMIN, 'GET', '/v1/queues')).body.queues, ['gpu', 'cpu']);
});

test('50 concurrent submissions against a maxQueuedJobs of 10: exactly 10 accepted, the rest 429 naming the limit', async (t) => {
  const api = await tenantApi(t, redis.client);
  await setTenant(api, 'a', { maxQueuedJobs: 10 });
  const replies = await Promise.all(
    Array.from({ length: 50 }, (_, i) => api.submit(A, { name: `burst-${i}` })),
  );
  const statuses = replies.map((r) => r.status);
  t.is(statuses.filter((s) => s === 201).length, 10);
  t.is(statuses.filter((s) => s === 429).length, 40);
  const refused = replies.find((r) => r.status === 429)!;
  t.is(refused.contentType, 'application/problem+json; charset=utf-8');
  t.is(refused.body.type, 'urn:gpubatch:problem:too-many-requests');
  t.is(refused.body.errors[0].field, 'maxQueuedJobs');
  t.regex(
    refused.body.detail,
    /tenant "a" has 10 jobs SUBMITTED, PENDING or RUNNABLE and may have at most 10/,
  );
  t.is(await queuedJobs(api, 'a'), 10);
  t.is(
    (await api.request(ADMIN, 'GET', '/v1/jobs?tenant=a')).body.jobs.length,
    10,
    'nothing refused was stored',
  );

  t.is((await api.submit(B)).status, 201, 'another tenant is not limited by it');
  const accepted = replies.find((r) => r.status === 201)!.body as JobRecord;
  await api.request(A, 'POST', `/v1/jobs/${accepted.id}/cancel`);
  t.is(await queuedJobs(api, 'a'), 9, 'a cancelled job no longer counts');
  t.is((await api.submit(A)).status, 201);
  t.is((await api.submit(A)).status, 429);
});

test('an array counts its children, and the count follows jobs that run, fail, or are cancelled in bulk', async (t) => {
  const api = await tenantApi(t, redis.client);
  await setTenant(api, 'a', { maxQueuedJobs: 10 });
  const array = (await api.submit(A, arrayOf(8))).body as JobRecord;
  t.is(await queuedJobs(api, 'a'), 8);
  const tooBig = await api.submit(A, arrayOf(3));
  t.is(tooBig.status, 429);
  t.regex(tooBig.body.detail, /this request adds 3/);
  const first = (await api.submit(A)).body as JobRecord;
  const dependent = (await api.submit(A, { dependsOn: [{ jobId: first.id }] })).body as JobRecord;
  t.is(await queuedJobs(api, 'a'), 10);
  t.is((await api.submit(A)).status, 429);

  // Cancelling a job fails its dependent too: both leave the count; a cancelled array's children all do.
  await api.request(A, 'POST', `/v1/jobs/${first.id}/cancel`);
  t.is((await api.request(A, 'GET', `/v1/jobs/${dependent.id}`)).body.status, 'FAILED');
  t.is(await queuedJobs(api, 'a'), 8);
  await api.request(A, 'POST', `/v1/jobs/${array.id}/cancel`);
  t.is((await api.store.get(array.id))?.arrayProperties?.statusSummary?.FAILED, 8);
  t.is(await queuedJobs(api, 'a'), 0);
  // A job that starts leaves the count, and finishing does not move it again.
  const running = (await api.submit(A)).body as JobRecord;
  await api.store.transition(running.id, { from: ['RUNNABLE'], to: 'RUNNING', reason: 'started' });
  t.is(await queuedJobs(api, 'a'), 0);
  await api.store.transition(running.id, { from: ['RUNNING'], to: 'SUCCEEDED', reason: 'done' });
  t.is(await queuedJobs(api, 'a'), 0);
  t.is((await api.submit(A, arrayOf(10))).status, 201, 'the whole limit is free again');
});

test('retry-failed counts the children it runs again against maxQueuedJobs', async (t) => {
  const api = await tenantApi(t, redis.client);
  await setTenant(api, 'a', { maxQueuedJobs: 5 });
  const array = (await api.submit(A, arrayOf(5))).body as JobRecord;
  await api.request(A, 'POST', `/v1/jobs/${array.id}/cancel`);
  const waiting = (await api.submit(A)).body as JobRecord;
  t.is(await queuedJobs(api, 'a'), 1);

  const refused = await api.request(A, 'POST', `/v1/jobs/${array.id}/retry-failed`);
  t.is(refused.status, 429);
  t.regex(refused.body.detail, /has 1 jobs .* at most 5; this request adds 5/);
  t.is((await api.store.get(array.id))?.status, 'FAILED', 'nothing was retried');

  await api.request(A, 'POST', `/v1/jobs/${waiting.id}/cancel`);
  const retried = await api.request(A, 'POST', `/v1/jobs/${array.id}/retry-failed`);
  t.is(retried.status, 200);
  t.is(await queuedJobs(api, 'a'), 5);
});
