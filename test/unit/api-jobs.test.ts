// The /v1/jobs routes on their success paths: submit, idempotency, read, list with pagination, cancel, terminate.
import test from 'ava';
import { aJobRecord, aJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';

test('POST /v1/jobs answers 201 with the record, a Location, and passes the spec with defaults filled in', async (t) => {
  const api = await startApi(t);

  const response = await api.request('/v1/jobs', { method: 'POST', json: aJobSpec({ name: 'first' }) });

  t.is(response.status, 201);
  t.is(response.body.spec.name, 'first');
  t.is(response.body.status, 'SUBMITTED');
  t.is(response.headers.get('location'), `/v1/jobs/${response.body.id}`);
  t.like(api.jobs.submitted[0], { queue: 'default', priority: 0, resources: { gpus: 0, memoryMiB: 1024 } });
});

test('POST /v1/jobs with a known idempotency key answers 200 with the same job', async (t) => {
  const api = await startApi(t);
  const spec = aJobSpec({ idempotencyKey: 'nightly-2025-01-01' });

  const first = await api.request('/v1/jobs', { method: 'POST', json: spec });
  const again = await api.request('/v1/jobs', { method: 'POST', json: spec });

  t.is(first.status, 201);
  t.is(again.status, 200);
  t.is(again.body.id, first.body.id);
  t.is(again.headers.get('location'), `/v1/jobs/${first.body.id}`);
});

test('the Idempotency-Key header is used when the body has no idempotencyKey', async (t) => {
  const api = await startApi(t);
  const headers = { 'Idempotency-Key': 'from-header' };

  const first = await api.request('/v1/jobs', { method: 'POST', headers, json: aJobSpec() });
  const again = await api.request('/v1/jobs', { method: 'POST', headers, json: aJobSpec() });

  t.is(api.jobs.submitted[0]?.idempotencyKey, 'from-header');
  t.is(again.status, 200);
  t.is(again.body.id, first.body.id);
});

test('an idempotencyKey in the body wins over the header', async (t) => {
  const api = await startApi(t);

  await api.request('/v1/jobs', {
    method: 'POST',
    headers: { 'Idempotency-Key': 'from-header' },
    json: aJobSpec({ idempotencyKey: 'from-body' }),
  });

  t.is(api.jobs.submitted[0]?.idempotencyKey, 'from-body');
});

test('GET /v1/jobs/:id answers the record', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'job-7', status: 'RUNNING' }));

  const response = await api.request('/v1/jobs/job-7');

  t.is(response.status, 200);
  t.like(response.body, { id: 'job-7', status: 'RUNNING' });
});

test('GET /v1/jobs/:id of an unknown job is a 404 problem naming the id', async (t) => {
  const api = await startApi(t);

  const response = await api.request('/v1/jobs/nope');

  t.is(response.status, 404);
  t.is(response.contentType, 'application/problem+json; charset=utf-8');
  t.like(response.body, {
    status: 404,
    title: 'Not found',
    detail: 'no job with id "nope"',
    instance: '/v1/jobs/nope',
  });
});

test('GET /v1/jobs pages through every job, newest first, with nextCursor', async (t) => {
  const api = await startApi(t);
  for (let i = 1; i <= 5; i++) api.jobs.put(aJobRecord({ id: `job-${i}` }));

  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const query = new URLSearchParams({ limit: '2', ...(cursor ? { cursor } : {}) });
    const response = await api.request(`/v1/jobs?${query}`);
    t.is(response.status, 200);
    ids.push(...response.body.jobs.map((job: { id: string }) => job.id));
    cursor = response.body.nextCursor;
    pages++;
  } while (cursor);

  t.is(pages, 3);
  t.deepEqual(ids, ['job-5', 'job-4', 'job-3', 'job-2', 'job-1']);
});

test('GET /v1/jobs filters by name prefix (AWS-style trailing *), share and creation time (ms or ISO 8601)', async (t) => {
  const api = await startApi(t);
  const at = (iso: string) => Date.parse(iso);
  const job = (id: string, name: string, createdAt: number, share?: string) =>
    api.jobs.put(aJobRecord({ id, createdAt, spec: { ...aJobRecord().spec, name, shareIdentifier: share } }));
  job('a', 'train-a', at('2026-11-01T00:00:00Z'), 'vision');
  job('b', 'train-b', at('2026-11-02T00:00:00Z'), 'nlp');
  job('c', 'eval-c', at('2026-11-03T00:00:00Z'), 'vision');
  const ids = async (query: string) =>
    (await api.request(`/v1/jobs?${query}`)).body.jobs.map((j: { id: string }) => j.id);

  t.deepEqual(await ids('name=train'), ['b', 'a']);
  t.deepEqual(await ids('name=train*'), ['b', 'a']);
  t.deepEqual(await ids('share=vision'), ['c', 'a']);
  t.deepEqual(await ids('createdAfter=2026-11-01T00:00:00Z'), ['c', 'b'], 'strictly after');
  t.deepEqual(
    await ids(`createdBefore=${at('2026-11-03T00:00:00Z')}`),
    ['b', 'a'],
    'epoch ms, strictly before',
  );
  t.deepEqual(await ids('share=vision&createdAfter=2026-11-02'), ['c']);
});

test('GET /v1/jobs filters by queue and status and defaults the page size to 100', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'a', status: 'RUNNING', spec: { ...aJobRecord().spec, queue: 'gpu' } }));
  api.jobs.put(aJobRecord({ id: 'b', status: 'RUNNABLE', spec: { ...aJobRecord().spec, queue: 'gpu' } }));
  api.jobs.put(aJobRecord({ id: 'c', status: 'RUNNING' }));
  for (let i = 0; i < 110; i++) api.jobs.put(aJobRecord({ id: `bulk-${i}` }));

  const filtered = await api.request('/v1/jobs?queue=gpu&status=RUNNING');
  const unfiltered = await api.request('/v1/jobs');

  t.deepEqual(
    filtered.body.jobs.map((job: { id: string }) => job.id),
    ['a'],
  );
  t.is(filtered.body.nextCursor, undefined);
  t.is(unfiltered.body.jobs.length, 100);
  t.truthy(unfiltered.body.nextCursor);
});

test('POST /v1/jobs/:id/cancel answers the updated record and records the reason', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'job-9', status: 'RUNNABLE' }));

  const withReason = await api.request('/v1/jobs/job-9/cancel', {
    method: 'POST',
    json: { reason: 'wrong input' },
  });

  t.is(withReason.status, 200);
  t.like(withReason.body, { id: 'job-9', status: 'FAILED', statusReason: 'cancelled: wrong input' });
});

test('POST /v1/jobs/:id/cancel without a body uses a default reason', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'job-9', status: 'RUNNABLE' }));

  const response = await api.request('/v1/jobs/job-9/cancel', { method: 'POST' });

  t.is(response.status, 200);
  t.is(response.body.statusReason, 'cancelled: cancelled by request');
});

test('a cancelled job is recorded as isCancelled', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'job-9', status: 'RUNNABLE' }));

  const response = await api.request('/v1/jobs/job-9/cancel', { method: 'POST' });

  t.like(response.body, { status: 'FAILED', isCancelled: true });
  t.is(response.body.isTerminated, undefined);
});

test('cancelling a running job is a 409 problem naming its state, pointing at terminate', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'job-9', status: 'RUNNING' }));

  const response = await api.request('/v1/jobs/job-9/cancel', { method: 'POST', json: { reason: 'stop' } });

  t.is(response.status, 409);
  t.is(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  t.regex(response.body.detail, /job job-9 is RUNNING: cancel stops only jobs that have not started/);
  t.is((await api.jobs.get('job-9'))?.status, 'RUNNING');
});

test('POST /v1/jobs/:id/terminate of a running job answers the record with the terminate requested', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'job-9', status: 'RUNNING' }));

  const response = await api.request('/v1/jobs/job-9/terminate', {
    method: 'POST',
    json: { reason: 'stop' },
  });

  t.is(response.status, 200);
  t.like(response.body, { status: 'RUNNING', terminateRequested: { reason: 'stop' } });
});

test('terminating a waiting job fails it at once as isTerminated, with a default reason', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'job-9', status: 'RUNNABLE' }));

  const response = await api.request('/v1/jobs/job-9/terminate', { method: 'POST' });

  t.is(response.status, 200);
  t.like(response.body, {
    status: 'FAILED',
    isTerminated: true,
    statusReason: 'terminated: terminated by request',
  });
});

test('terminating an unknown job is 404, a finished one 409, a bad body 400', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'done', status: 'FAILED' }));

  const unknown = await api.request('/v1/jobs/nope/terminate', { method: 'POST' });
  const finished = await api.request('/v1/jobs/done/terminate', { method: 'POST' });
  const typo = await api.request('/v1/jobs/done/terminate', { method: 'POST', json: { reasn: 'x' } });

  t.is(unknown.status, 404);
  t.is(finished.status, 409);
  t.like(finished.body, { title: 'Conflict', detail: 'job done is already FAILED' });
  t.is(typo.status, 400);
});

test('cancelling an unknown job is 404, a finished one 409', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'done', status: 'SUCCEEDED' }));

  const unknown = await api.request('/v1/jobs/nope/cancel', { method: 'POST' });
  const finished = await api.request('/v1/jobs/done/cancel', { method: 'POST' });

  t.is(unknown.status, 404);
  t.is(finished.status, 409);
  t.like(finished.body, { title: 'Conflict', detail: 'job done is already SUCCEEDED' });
});

test('GET /v1/queues lists the queues the service knows', async (t) => {
  const { FakeJobService } = await import('../support/fake-job-service.ts');
  const api = await startApi(t, { jobs: new FakeJobService({ queues: ['default', 'gpu-large'] }) });

  const response = await api.request('/v1/queues');

  t.is(response.status, 200);
  t.deepEqual(response.body, { queues: ['default', 'gpu-large'] });
});
