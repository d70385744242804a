// Authentication is always on: every /v1 route and /metrics need `Authorization: Bearer <token>`; the
// token's role decides what it may do (api/access-rules.ts); probes and the OpenAPI document stay open.
import test from 'ava';
import { createApp } from '../../api/app.ts';
import { aJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';
import { FakeJobService } from '../support/fake-job-service.ts';

/** One request of each /v1 route family, as the CLI and clients send them. */
const ROUTES: Array<[method: string, path: string]> = [
  ['POST', '/v1/jobs'],
  ['GET', '/v1/jobs'],
  ['GET', '/v1/jobs/job-1'],
  ['GET', '/v1/jobs/job-1/logs'],
  ['POST', '/v1/jobs/job-1/cancel'],
  ['POST', '/v1/jobs/job-1/terminate'],
  ['POST', '/v1/jobs/job-1/retry-failed'],
  ['GET', '/v1/events'],
  ['GET', '/v1/jobs/job-1/events'],
  ['GET', '/v1/job-definitions'],
  ['POST', '/v1/job-definitions'],
  ['DELETE', '/v1/job-definitions/nightly/1'],
  ['GET', '/v1/queues'],
  ['POST', '/v1/queues'],
  ['PATCH', '/v1/queues/default'],
  ['GET', '/v1/compute-environments'],
  ['PATCH', '/v1/compute-environments/local'],
  ['GET', '/v1/budgets'],
  ['GET', '/v1/admin/tokens'],
  ['POST', '/v1/admin/tokens'],
  ['DELETE', '/v1/admin/tokens/abc'],
  ['POST', '/v1/admin/access-keys'],
  ['GET', '/v1/no-such-route'],
];

test('every /v1 route family without a token is a 401 problem with a Bearer challenge', async (t) => {
  const api = await startApi(t);

  for (const [method, path] of ROUTES) {
    const response = await api.request(path, {
      method,
      token: null,
      json: method === 'GET' ? undefined : {},
    });
    t.is(response.status, 401, `${method} ${path}`);
    t.is(response.contentType, 'application/problem+json; charset=utf-8');
    t.is(response.headers.get('www-authenticate'), 'Bearer realm="gpubatch"');
    t.like(response.body, { title: 'Unauthorized', instance: path });
  }
  t.is(api.jobs.submitted.length, 0);
});

test('an unknown token is a 401 with error="invalid_token" and does not reach the service', async (t) => {
  const api = await startApi(t);

  const response = await api.request('/v1/jobs', { method: 'POST', token: 'gpb_0_not-it', json: aJobSpec() });

  t.is(response.status, 401);
  t.is(response.headers.get('www-authenticate'), 'Bearer realm="gpubatch", error="invalid_token"');
  t.is(api.jobs.submitted.length, 0);
});

test('a header that is not "Bearer <token>" counts as no token', async (t) => {
  const api = await startApi(t);

  for (const authorization of [`Basic ${api.token}`, 'Bearer', `Bearer ${api.token} extra`]) {
    const response = await api.request('/v1/jobs', { headers: { authorization } });
    t.is(response.status, 401, authorization);
  }
});

test('a viewer reads but cannot submit, cancel or register: 403 naming the role needed', async (t) => {
  const api = await startApi(t);
  const viewer = api.as(await api.tokenFor('viewer'));

  t.is((await viewer.request('/v1/jobs')).status, 200);
  t.is((await viewer.request('/v1/queues')).status, 200);
  const submit = await viewer.request('/v1/jobs', { method: 'POST', json: aJobSpec() });
  t.is(submit.status, 403);
  t.is(submit.contentType, 'application/problem+json; charset=utf-8');
  t.like(submit.body, {
    type: 'urn:gpubatch:problem:forbidden',
    title: 'Forbidden',
    detail:
      'submitting or changing jobs and job definitions needs the submitter role; this token has the viewer role',
  });
  t.is((await viewer.request('/v1/jobs/job-1/cancel', { method: 'POST' })).status, 403);
  t.is((await viewer.request('/v1/job-definitions', { method: 'POST', json: {} })).status, 403);
  t.is(api.jobs.submitted.length, 0);
});

test('a submitter submits, but queues, compute environments and /v1/admin need an admin', async (t) => {
  const api = await startApi(t);
  const submitter = api.as(await api.tokenFor('submitter', 'team-a'));

  t.is((await submitter.request('/v1/jobs', { method: 'POST', json: aJobSpec() })).status, 201);
  const forbidden: Array<[string, string]> = [
    ['POST', '/v1/queues'],
    ['PATCH', '/v1/queues/default'],
    ['PATCH', '/v1/compute-environments/local'],
    ['GET', '/v1/admin/tokens'],
    ['POST', '/v1/admin/tokens'],
  ];
  for (const [method, path] of forbidden) {
    const response = await submitter.request(path, { method, json: method === 'GET' ? undefined : {} });
    t.is(response.status, 403, `${method} ${path}`);
    t.regex(response.body.detail, /needs the admin role; this token has the submitter role/);
  }
});

test('a revoked token is refused at once with 401', async (t) => {
  const api = await startApi(t);
  const created = await api.request('/v1/admin/tokens', {
    method: 'POST',
    json: { role: 'viewer', tenant: 'team-a', name: 'dashboard' },
  });
  const viewer = api.as(created.body.token);
  t.is((await viewer.request('/v1/jobs')).status, 200);

  const revoked = await api.request(`/v1/admin/tokens/${created.body.id}`, { method: 'DELETE' });

  t.is(revoked.status, 200);
  t.like(revoked.body, { id: created.body.id, role: 'viewer', tenant: 'team-a' });
  t.is(typeof revoked.body.revokedAt, 'number');
  t.is((await viewer.request('/v1/jobs')).status, 401);
});

test('POST /v1/admin/tokens returns the token once; GET lists tokens without any secret', async (t) => {
  const api = await startApi(t);

  const created = await api.request('/v1/admin/tokens', {
    method: 'POST',
    json: { role: 'submitter', tenant: 'team-a', name: 'ci' },
  });

  t.is(created.status, 201);
  t.is(created.headers.get('cache-control'), 'no-store');
  t.like(created.body, { role: 'submitter', tenant: 'team-a', name: 'ci' });
  t.regex(created.body.token, new RegExp(`^gpb_${created.body.id}_[A-Za-z0-9_-]{43}$`));
  const listed = await api.request('/v1/admin/tokens');
  t.is(listed.status, 200);
  const ci = listed.body.tokens.find((token: { id: string }) => token.id === created.body.id);
  t.like(ci, { role: 'submitter', tenant: 'team-a', name: 'ci' });
  t.false(JSON.stringify(listed.body).includes(created.body.token.split('_').at(-1)));
  t.false('token' in ci);
});

test('POST /v1/admin/tokens names each bad field; revoking an unknown id is a 404', async (t) => {
  const api = await startApi(t);

  const bad = await api.request('/v1/admin/tokens', {
    method: 'POST',
    json: { role: 'root', tenant: '../x' },
  });

  t.is(bad.status, 400);
  t.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ['role', 'tenant']);
  t.is((await api.request('/v1/admin/tokens/nope', { method: 'DELETE' })).status, 404);
});

test('probes and the OpenAPI document need no token', async (t) => {
  const api = await startApi(t);

  t.is((await api.request('/healthz', { token: null })).status, 200);
  t.is((await api.request('/readyz', { token: null })).status, 200);
  t.is((await api.request('/openapi.json', { token: null })).status, 200);
});

test('/metrics needs a token of any role unless opened by configuration', async (t) => {
  const closed = await startApi(t);
  t.is((await closed.request('/metrics', { token: null })).status, 401);
  t.is((await closed.request('/metrics', { token: await closed.tokenFor('viewer') })).status, 200);

  const opened = await startApi(t, { metricsOpen: true });
  t.is((await opened.request('/metrics', { token: null })).status, 200);
});

test('createApp refuses to start without a token registry: there is no auth-off mode', (t) => {
  // @ts-expect-error: auth is required; a caller that forgets it must fail loudly, not serve openly.
  t.throws(() => createApp({ jobs: new FakeJobService() }), { message: /auth\.tokens is required/ });
});
