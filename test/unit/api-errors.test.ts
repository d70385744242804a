// Every failure is RFC 9457 problem+json: schema errors name the field, transport errors name the body.
import test from 'ava';
import { UnprocessableJobError } from '../../api/errors.ts';
import { LIMITS } from '../../api/schemas/job-spec.ts';
import { aJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';
import { FakeJobService } from '../support/fake-job-service.ts';

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

const invalidSpecs = [
  {
    what: 'negative gpus',
    spec: aJobSpec({ resources: { gpus: -1 } }),
    field: 'resources.gpus',
    detail: 'resources.gpus: Too small: expected number to be >=0',
  },
  {
    what: 'gpus and gpuMilli both',
    spec: aJobSpec({ resources: { gpus: 1, gpuMilli: 500 } }),
    field: 'resources.gpuMilli',
    detail: 'resources.gpuMilli: set either gpus (whole GPUs) or gpuMilli (a share of one GPU), not both',
  },
  {
    what: 'an unknown kind',
    spec: aJobSpec({ kind: 'training' }),
    field: 'kind',
    detail: 'kind: Invalid option: expected one of "kernel"|"inference"',
  },
  {
    what: 'kind kernel without a kernel',
    spec: aJobSpec({ kernel: undefined }),
    field: 'kernel',
    detail: 'kernel: required when kind is "kernel"',
  },
  {
    what: 'absurd memory',
    spec: aJobSpec({ resources: { memoryMiB: LIMITS.memoryMiB * 1000 } }),
    field: 'resources.memoryMiB',
    detail: `resources.memoryMiB: Too big: expected number to be <=${LIMITS.memoryMiB}`,
  },
  {
    what: 'an unknown field',
    spec: aJobSpec({ gpus: 2 }),
    field: 'gpus',
    detail: 'gpus: unknown field',
  },
  {
    what: 'a GPU model list with an empty name',
    spec: aJobSpec({ resources: { gpuModel: ['A100', ''] } }),
    field: 'resources.gpuModel[1]',
    detail: 'resources.gpuModel[1]: Too small: expected string to have >=1 characters',
  },
];

for (const { what, spec, field, detail } of invalidSpecs) {
  test(`a spec with ${what} is a 400 problem naming ${field}`, async (t) => {
    const api = await startApi(t);

    const response = await api.request('/v1/jobs', { method: 'POST', json: spec });

    t.is(response.status, 400);
    t.is(response.contentType, PROBLEM_JSON);
    t.like(response.body, { type: 'urn:gpubatch:problem:invalid-request', title: 'Invalid request', detail });
    t.true(response.body.errors.some((error: { field: string }) => error.field === field));
    t.is(api.jobs.submitted.length, 0);
  });
}

test('the detail counts the problems after the first', async (t) => {
  const api = await startApi(t);

  const response = await api.request('/v1/jobs', {
    method: 'POST',
    json: aJobSpec({ name: 'has space', resources: { gpus: -1, cpuMilli: 0 } }),
  });

  t.is(response.body.errors.length, 3);
  t.regex(response.body.detail, /\(and 2 more problems\)$/);
});

test('a JSON body that is not an object is a 400 naming the body', async (t) => {
  const api = await startApi(t);

  const response = await api.request('/v1/jobs', { method: 'POST', json: ['not', 'a', 'spec'] });

  t.is(response.status, 400);
  t.deepEqual(response.body.errors, [
    { field: 'body', message: 'Invalid input: expected object, received array' },
  ]);
});

test('malformed JSON is a 400 problem that says the body is not valid JSON', async (t) => {
  const api = await startApi(t);

  const response = await api.request('/v1/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"name": "x",',
  });

  t.is(response.status, 400);
  t.is(response.contentType, PROBLEM_JSON);
  t.like(response.body, { title: 'Malformed JSON', instance: '/v1/jobs' });
  t.regex(response.body.detail, /^request body is not valid JSON: /);
});

test('a body over the limit is a 413 problem', async (t) => {
  const api = await startApi(t, { bodyLimit: '1kb' });

  const response = await api.request('/v1/jobs', {
    method: 'POST',
    json: aJobSpec({ params: { padding: 'x'.repeat(2048) } }),
  });

  t.is(response.status, 413);
  t.like(response.body, {
    title: 'Request body too large',
    detail: 'request body is over the limit of 1024 bytes',
  });
});

test('a body that is not JSON is a 415 problem', async (t) => {
  const api = await startApi(t);

  const response = await api.request('/v1/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: 'name: x\n',
  });

  t.is(response.status, 415);
  t.is(response.contentType, PROBLEM_JSON);
  t.regex(response.body.detail, /application\/json, not application\/yaml/);
});

test('a submit without a body is a 400 naming the body', async (t) => {
  const api = await startApi(t);

  const response = await api.request('/v1/jobs', { method: 'POST' });

  t.is(response.status, 400);
  t.deepEqual(response.body.errors, [{ field: 'body', message: 'required' }]);
});

test('an UnprocessableJobError from the service is a 422 problem with its field errors', async (t) => {
  const jobs = new FakeJobService();
  jobs.rejectSubmitsWith(
    new UnprocessableJobError('no node pool has 8 GPUs on one node', [
      { field: 'resources.gpus', message: 'largest node has 4 GPUs' },
    ]),
  );
  const api = await startApi(t, { jobs });

  const response = await api.request('/v1/jobs', {
    method: 'POST',
    json: aJobSpec({ resources: { gpus: 8 } }),
  });

  t.is(response.status, 422);
  t.deepEqual(response.body, {
    type: 'urn:gpubatch:problem:unprocessable-job',
    title: 'Unprocessable job',
    status: 422,
    detail: 'no node pool has 8 GPUs on one node',
    errors: [{ field: 'resources.gpus', message: 'largest node has 4 GPUs' }],
    instance: '/v1/jobs',
  });
});

test('an unknown queue is rejected by the service as 422 naming the queue field', async (t) => {
  const api = await startApi(t);

  const response = await api.request('/v1/jobs', { method: 'POST', json: aJobSpec({ queue: 'nope' }) });

  t.is(response.status, 422);
  t.is(response.body.errors[0].field, 'queue');
});

test('an unexpected error is a 500 problem that hides the cause and logs it', async (t) => {
  const logged: unknown[] = [];
  const jobs = new FakeJobService();
  jobs.rejectSubmitsWith(new Error('redis: connection reset at /srv/secret/path.ts:12'));
  const api = await startApi(t, { jobs, logError: (error) => logged.push(error) });

  const response = await api.request('/v1/jobs', { method: 'POST', json: aJobSpec() });

  t.is(response.status, 500);
  t.is(response.contentType, PROBLEM_JSON);
  t.like(response.body, { title: 'Internal server error', status: 500 });
  t.notRegex(JSON.stringify(response.body), /redis|secret|\.ts/);
  t.is(logged.length, 1);
});

test('an unknown route is a 404 problem', async (t) => {
  const api = await startApi(t);

  const response = await api.request('/v2/things', { method: 'DELETE' });

  t.is(response.status, 404);
  t.is(response.contentType, PROBLEM_JSON);
  t.like(response.body, { title: 'Not found', detail: 'no route for DELETE /v2/things' });
});

const invalidQueries = [
  { query: 'status=DONE', field: 'status' },
  { query: 'limit=0', field: 'limit' },
  { query: 'limit=1001', field: 'limit' },
  { query: 'name=train*ing', field: 'name' },
  { query: 'name=a&name=b', field: 'name' },
  { query: 'share=', field: 'share' },
  { query: 'createdAfter=yesterday', field: 'createdAfter' },
  { query: 'createdBefore=2026-13-45', field: 'createdBefore' },
  { query: 'limit=ten', field: 'limit' },
  { query: 'stauts=RUNNING', field: 'stauts' },
];

for (const { query, field } of invalidQueries) {
  test(`GET /v1/jobs?${query} is a 400 naming ${field}`, async (t) => {
    const api = await startApi(t);

    const response = await api.request(`/v1/jobs?${query}`);

    t.is(response.status, 400);
    t.is(response.body.errors[0].field, field);
  });
}

test('a cursor the service does not recognise is a 400 naming cursor', async (t) => {
  const api = await startApi(t);

  const response = await api.request('/v1/jobs?cursor=garbage');

  t.is(response.status, 400);
  t.is(response.body.errors[0].field, 'cursor');
});

test('a cancel body with an unknown field is a 400 naming it', async (t) => {
  const api = await startApi(t);

  const response = await api.request('/v1/jobs/job-1/cancel', { method: 'POST', json: { reasn: 'typo' } });

  t.is(response.status, 400);
  t.is(response.body.errors[0].field, 'reasn');
});

test('a path parameter that is not valid percent-encoding is a 400 problem, not a 500', async (t) => {
  const api = await startApi(t);

  for (const id of ['%', '%E0%A4%A', '%uD800']) {
    const response = await api.request(`/v1/jobs/${id}`);

    t.is(response.status, 400, id);
    t.is(response.contentType, PROBLEM_JSON);
    t.is(response.body.title, 'Malformed URL');
    t.true(response.body.detail.includes(id), response.body.detail);
  }
});

test('a body that does not match its Content-Encoding is a 400 problem, not a 500', async (t) => {
  const api = await startApi(t);

  for (const encoding of ['gzip', 'deflate', 'br']) {
    const response = await api.request('/v1/jobs', {
      method: 'POST',
      headers: { 'content-encoding': encoding, 'content-type': 'application/json' },
      body: JSON.stringify(aJobSpec()),
    });

    t.is(response.status, 400, encoding);
    t.is(response.contentType, PROBLEM_JSON);
    t.regex(response.body.detail, /^request body could not be read: /);
  }
});
