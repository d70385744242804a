// With a token configured, /v1 needs `Authorization: Bearer <token>`; probes and the OpenAPI document stay open.
import test from 'ava';
import { createApp } from '../../api/app.ts';
import { aJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';
import { FakeJobService } from '../support/fake-job-service.ts';

const token = 's3cret-token';

test('a /v1 request without a token is a 401 problem with a WWW-Authenticate challenge', async (t) => {
  const api = await startApi(t, { token });

  const response = await api.request('/v1/jobs');

  t.is(response.status, 401);
  t.is(response.contentType, 'application/problem+json; charset=utf-8');
  t.is(response.headers.get('www-authenticate'), 'Bearer realm="gpubatch"');
  t.like(response.body, { title: 'Unauthorized', instance: '/v1/jobs' });
});

test('a /v1 request with the wrong token is a 401 and does not reach the service', async (t) => {
  const api = await startApi(t, { token });

  const response = await api.request('/v1/jobs', {
    method: 'POST',
    headers: { authorization: 'Bearer not-it' },
    json: aJobSpec(),
  });

  t.is(response.status, 401);
  t.is(api.jobs.submitted.length, 0);
});

test('unknown /v1 routes also need the token, so they reveal nothing', async (t) => {
  const api = await startApi(t, { token });

  const response = await api.request('/v1/secrets');

  t.is(response.status, 401);
});

test('a /v1 request with the right token goes through', async (t) => {
  const api = await startApi(t, { token });

  const response = await api.request('/v1/jobs', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    json: aJobSpec(),
  });

  t.is(response.status, 201);
});

test('probes and the OpenAPI document need no token', async (t) => {
  const api = await startApi(t, { token });

  t.is((await api.request('/healthz')).status, 200);
  t.is((await api.request('/readyz')).status, 200);
  t.is((await api.request('/openapi.json')).status, 200);
});

test('without a token configured, /v1 is open', async (t) => {
  const api = await startApi(t);

  t.is((await api.request('/v1/queues')).status, 200);
});

test('an empty token is refused at start-up rather than locking every client out', (t) => {
  t.throws(() => createApp({ jobs: new FakeJobService(), token: '' }), { message: /token is empty/ });
});
