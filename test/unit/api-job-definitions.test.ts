// /v1/job-definitions and POST /v1/jobs with a jobDefinition: revisions, deregistration, submit by definition.
import test from 'ava';
import { type ApiHarness, startApi } from '../support/api-harness.ts';

/** A valid kernel job definition, as a client would register it. */
function aDefinition(overrides: Record<string, unknown> = {}) {
  return {
    name: 'daily-standardize',
    kind: 'kernel',
    kernel: 'standardize',
    input: '/data/Ref::day/matrix.npy',
    output: '/data/Ref::day/out.npy',
    parameters: { day: '2025-01-01' },
    resources: { gpuMilli: 500, memoryMiB: 2048 },
    ...overrides,
  };
}

const register = (api: ApiHarness, body: unknown) =>
  api.request('/v1/job-definitions', { method: 'POST', json: body });

const submit = (api: ApiHarness, body: unknown) => api.request('/v1/jobs', { method: 'POST', json: body });

test('registering a name twice makes revisions 1 and 2, each with its reference and a Location', async (t) => {
  const api = await startApi(t);

  const first = await register(api, aDefinition());
  const second = await register(api, aDefinition({ timeoutSeconds: 60 }));

  t.is(first.status, 201);
  t.like(first.body, { name: 'daily-standardize', revision: 1, jobDefinition: 'daily-standardize:1' });
  t.like(second.body, { revision: 2, jobDefinition: 'daily-standardize:2', status: 'ACTIVE' });
  t.is(second.headers.get('location'), '/v1/job-definitions/daily-standardize/2');
});

test('an invalid definition is a 400 naming the field; nothing is registered', async (t) => {
  const api = await startApi(t);

  const response = await register(api, aDefinition({ kernel: undefined, parameters: { day: 7 } }));

  t.is(response.status, 400);
  t.deepEqual(
    response.body.errors.map((e: { field: string }) => e.field),
    ['parameters.day'],
  );
  t.is((await api.definitions.list({ limit: 10 })).jobDefinitions.length, 0);
});

test('describe one revision, all revisions of a name, and list by status', async (t) => {
  const api = await startApi(t);
  await register(api, aDefinition());
  await register(api, aDefinition());
  await register(api, aDefinition({ name: 'other' }));
  await api.request('/v1/job-definitions/daily-standardize/1', { method: 'DELETE' });

  const one = await api.request('/v1/job-definitions/daily-standardize/2');
  const byName = await api.request('/v1/job-definitions/daily-standardize');
  const inactive = await api.request('/v1/job-definitions?status=INACTIVE');
  const all = await api.request('/v1/job-definitions?limit=2');

  t.like(one.body, { jobDefinition: 'daily-standardize:2', input: '/data/Ref::day/matrix.npy' });
  t.deepEqual(
    byName.body.jobDefinitions.map((d: { jobDefinition: string }) => d.jobDefinition),
    ['daily-standardize:2', 'daily-standardize:1'],
  );
  t.deepEqual(
    inactive.body.jobDefinitions.map((d: { jobDefinition: string }) => d.jobDefinition),
    ['daily-standardize:1'],
  );
  t.is(all.body.jobDefinitions.length, 2);
  t.truthy(all.body.nextCursor);
});

test('unknown names and revisions are 404 problems; a revision that is not a number is a 400', async (t) => {
  const api = await startApi(t);
  await register(api, aDefinition());

  const name = await api.request('/v1/job-definitions/nope');
  const revision = await api.request('/v1/job-definitions/daily-standardize/9');
  const deregister = await api.request('/v1/job-definitions/daily-standardize/9', { method: 'DELETE' });
  const notNumber = await api.request('/v1/job-definitions/daily-standardize/latest');

  t.is(name.status, 404);
  t.is(name.body.detail, 'no job definition named nope');
  t.is(revision.status, 404);
  t.is(revision.body.detail, 'no job definition daily-standardize:9');
  t.is(deregister.status, 404);
  t.is(notNumber.status, 400);
  t.is(notNumber.body.errors[0].field, 'revision');
});

test('deregistering makes the revision INACTIVE; it stays describable and a second deregister changes nothing', async (t) => {
  const api = await startApi(t);
  await register(api, aDefinition());

  const response = await api.request('/v1/job-definitions/daily-standardize/1', { method: 'DELETE' });
  const again = await api.request('/v1/job-definitions/daily-standardize/1', { method: 'DELETE' });
  const described = await api.request('/v1/job-definitions/daily-standardize/1');

  t.is(response.status, 200);
  t.like(response.body, { status: 'INACTIVE' });
  t.is(typeof response.body.deregisteredAt, 'number');
  t.is(again.body.deregisteredAt, response.body.deregisteredAt);
  t.like(described.body, { status: 'INACTIVE' });
});

test('a submission by name uses the latest ACTIVE revision, substitutes defaults and records name:revision', async (t) => {
  const api = await startApi(t);
  await register(api, aDefinition());
  await register(api, aDefinition({ timeoutSeconds: 120 }));
  await register(api, aDefinition({ timeoutSeconds: 999 }));
  await api.request('/v1/job-definitions/daily-standardize/3', { method: 'DELETE' });

  const response = await submit(api, { jobDefinition: 'daily-standardize' });

  t.is(response.status, 201);
  t.is(response.body.jobDefinition, 'daily-standardize:2');
  t.like(api.jobs.submitted[0], {
    name: 'daily-standardize',
    input: '/data/2025-01-01/matrix.npy',
    output: '/data/2025-01-01/out.npy',
    timeoutSeconds: 120,
    queue: 'default',
    resources: { gpus: 0, gpuMilli: 500, memoryMiB: 2048, cpuMilli: 1000 },
  });
});

test('a submission overrides parameters, params, resources, retry, timeout and name', async (t) => {
  const api = await startApi(t);
  await register(api, aDefinition({ params: { ddof: 1 }, retry: { attempts: 3 } }));

  const response = await submit(api, {
    jobDefinition: 'daily-standardize:1',
    name: 'backfill-feb',
    parameters: { day: '2025-02-01' },
    params: { ddof: 0 },
    resources: { gpus: 1 },
    retry: { attempts: 2 },
    timeoutSeconds: 30,
  });

  t.is(response.status, 201);
  t.like(api.jobs.submitted[0], {
    name: 'backfill-feb',
    input: '/data/2025-02-01/matrix.npy',
    params: { ddof: 0 },
    resources: { gpus: 1, gpuMilli: 0, memoryMiB: 2048 },
    retry: { attempts: 2 },
    timeoutSeconds: 30,
  });
});

test('submitting an INACTIVE revision is a 422 naming jobDefinition and the ACTIVE one to use', async (t) => {
  const api = await startApi(t);
  await register(api, aDefinition());
  await register(api, aDefinition());
  await api.request('/v1/job-definitions/daily-standardize/1', { method: 'DELETE' });

  const response = await submit(api, { jobDefinition: 'daily-standardize:1' });

  t.is(response.status, 422);
  t.is(response.body.errors[0].field, 'jobDefinition');
  t.is(
    response.body.detail,
    'jobDefinition: job definition daily-standardize:1 is INACTIVE (deregistered) and takes no new jobs; the latest ACTIVE revision is daily-standardize:2',
  );
  t.is(api.jobs.submitted.length, 0);
});

test('a name whose revisions are all INACTIVE, or that was never registered, is a 422 saying which', async (t) => {
  const api = await startApi(t);
  await register(api, aDefinition());
  await api.request('/v1/job-definitions/daily-standardize/1', { method: 'DELETE' });

  const inactive = await submit(api, { jobDefinition: 'daily-standardize' });
  const unknown = await submit(api, { jobDefinition: 'nope' });

  t.is(inactive.status, 422);
  t.regex(inactive.body.detail, /every revision of job definition daily-standardize is INACTIVE/);
  t.is(unknown.status, 422);
  t.regex(unknown.body.detail, /no job definition named nope/);
});

test('a placeholder with no value is a 422 naming the parameter', async (t) => {
  const api = await startApi(t);
  await register(api, aDefinition({ parameters: {} }));

  const response = await submit(api, { jobDefinition: 'daily-standardize' });

  t.is(response.status, 422);
  t.is(response.body.errors[0].field, 'parameters.day');
  t.regex(response.body.detail, /no value for Ref::day \(used in input of daily-standardize:1\)/);
  t.is(api.jobs.submitted.length, 0);
});

test('a definition and overrides that make an invalid job spec are a 422 naming the spec field', async (t) => {
  const api = await startApi(t);
  await register(api, aDefinition({ kind: 'inference', kernel: undefined, model: '/m.onnx' }));

  const response = await submit(api, { jobDefinition: 'daily-standardize', params: { batchSize: 0 } });

  t.is(response.status, 422);
  t.is(response.body.errors[0].field, 'params.batchSize');
  t.regex(
    response.body.detail,
    /^job definition daily-standardize:1 with this submission is not a valid job/,
  );
});

test('a submission by definition with an unknown field is a 400; the service still checks the queue (422)', async (t) => {
  const api = await startApi(t);
  await register(api, aDefinition());

  const typo = await submit(api, { jobDefinition: 'daily-standardize', parametres: { day: 'x' } });
  const queue = await submit(api, { jobDefinition: 'daily-standardize', queue: 'missing' });

  t.is(typo.status, 400);
  t.is(typo.body.errors[0].field, 'parametres');
  t.is(queue.status, 422);
  t.is(queue.body.errors[0].field, 'queue');
});

test('the Idempotency-Key header applies to a submission by definition too', async (t) => {
  const api = await startApi(t);
  await register(api, aDefinition());
  const headers = { 'Idempotency-Key': 'day-1' };

  const first = await api.request('/v1/jobs', {
    method: 'POST',
    headers,
    json: { jobDefinition: 'daily-standardize' },
  });
  const again = await api.request('/v1/jobs', {
    method: 'POST',
    headers,
    json: { jobDefinition: 'daily-standardize' },
  });

  t.is(first.status, 201);
  t.is(again.status, 200);
  t.is(again.body.id, first.body.id);
});

test('direct submissions are unchanged and carry no jobDefinition', async (t) => {
  const api = await startApi(t);

  const response = await submit(api, {
    name: 'direct',
    kind: 'kernel',
    kernel: 'standardize',
    input: '/in.npy',
    output: '/out.npy',
  });

  t.is(response.status, 201);
  t.is(response.body.jobDefinition, undefined);
});
