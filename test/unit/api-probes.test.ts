// /healthz answers while the process lives; /readyz follows JobService.ready().
import test from 'ava';
import { startApi } from '../support/api-harness.ts';
import { FakeJobService } from '../support/fake-job-service.ts';

test('/healthz answers 200 {status: ok}', async (t) => {
  const api = await startApi(t);

  const response = await api.request('/healthz');

  t.is(response.status, 200);
  t.deepEqual(response.body, { status: 'ok' });
});

test('/readyz answers 200 when the service is ready', async (t) => {
  const api = await startApi(t);

  const response = await api.request('/readyz');

  t.is(response.status, 200);
  t.like(response.body, { status: 'ready' });
});

test('/readyz is a 503 problem carrying the service detail when not ready', async (t) => {
  const jobs = new FakeJobService();
  jobs.setReadiness(false, 'redis is not answering');
  const api = await startApi(t, { jobs });

  const response = await api.request('/readyz');

  t.is(response.status, 503);
  t.is(response.contentType, 'application/problem+json; charset=utf-8');
  t.like(response.body, { title: 'Not ready', detail: 'redis is not answering' });
});

test('/readyz is a 503 when the readiness check itself throws', async (t) => {
  const jobs = new FakeJobService();
  jobs.ready = async () => {
    throw new Error('connect ECONNREFUSED');
  };
  const api = await startApi(t, { jobs });

  const response = await api.request('/readyz');

  t.is(response.status, 503);
  t.is(response.body.detail, 'readiness check failed: connect ECONNREFUSED');
});
