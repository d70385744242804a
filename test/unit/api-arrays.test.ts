// Array job and dependency fields at the API: their limits and combinations are 400s naming the field,
// an unknown dependency a 422, and retry-failed answers 404/409 like cancel.
import test from 'ava';
import { ARRAY_INDEX_PLACEHOLDERS, ARRAY_LIMITS } from '../../api/schemas/array-spec.ts';
import { aJobRecord, aJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';

const perChild = `/data/out-${ARRAY_INDEX_PLACEHOLDERS[0]}.npy`;
const dependencies = (n: number) => Array.from({ length: n }, (_, i) => ({ jobId: `job-${i}` }));

const invalid = [
  { what: 'an array of 1', spec: { arraySize: 1, output: perChild }, field: 'arraySize' },
  {
    what: 'an array of 10,001',
    spec: { arraySize: ARRAY_LIMITS.maxSize + 1, output: perChild },
    field: 'arraySize',
  },
  { what: '101 dependencies', spec: { dependsOn: dependencies(101) }, field: 'dependsOn' },
  { what: 'maxConcurrent without an array', spec: { maxConcurrent: 2 }, field: 'maxConcurrent' },
  {
    what: 'maxConcurrent 0',
    spec: { arraySize: 4, maxConcurrent: 0, output: perChild },
    field: 'maxConcurrent',
  },
  { what: 'an array whose children would share one output', spec: { arraySize: 4 }, field: 'output' },
  {
    what: 'N_TO_N on a plain job',
    spec: { dependsOn: [{ jobId: 'a', type: 'N_TO_N' }] },
    field: 'dependsOn[0].type',
  },
  {
    what: 'SEQUENTIAL naming a job',
    spec: { arraySize: 2, output: perChild, dependsOn: [{ jobId: 'a', type: 'SEQUENTIAL' }] },
    field: 'dependsOn[0].jobId',
  },
  { what: 'a dependency without a job id', spec: { dependsOn: [{}] }, field: 'dependsOn[0].jobId' },
  {
    what: 'the same dependency twice',
    spec: { dependsOn: [{ jobId: 'a' }, { jobId: 'a' }] },
    field: 'dependsOn[1]',
  },
  {
    what: 'an unknown dependency type',
    spec: { dependsOn: [{ jobId: 'a', type: 'ALL' }] },
    field: 'dependsOn[0].type',
  },
];

for (const { what, spec, field } of invalid) {
  test(`${what} is a 400 naming ${field}`, async (t) => {
    const api = await startApi(t);
    const response = await api.request('/v1/jobs', { method: 'POST', json: aJobSpec(spec) });
    t.is(response.status, 400);
    t.true(
      response.body.errors.some((e: { field: string }) => e.field === field),
      JSON.stringify(response.body.errors),
    );
    t.is(api.jobs.submitted.length, 0);
  });
}

test('100 dependencies and an array of 10,000 are within the limits', async (t) => {
  const api = await startApi(t);
  for (let i = 0; i < 100; i++) api.jobs.put(aJobRecord({ id: `job-${i}` }));
  const response = await api.request('/v1/jobs', {
    method: 'POST',
    json: aJobSpec({ arraySize: ARRAY_LIMITS.maxSize, output: perChild, dependsOn: dependencies(100) }),
  });
  t.is(response.status, 201);
  t.is(api.jobs.submitted[0]?.arraySize, 10_000);
});

test('a dependency on a job that does not exist is a 422 naming dependsOn[i].jobId', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'known' }));
  const response = await api.request('/v1/jobs', {
    method: 'POST',
    json: aJobSpec({ dependsOn: [{ jobId: 'known' }, { jobId: 'ghost' }] }),
  });
  t.is(response.status, 422);
  t.is(response.body.errors[0].field, 'dependsOn[1].jobId');
  t.regex(response.body.detail, /no job with id "ghost"/);
});

test('retry-failed of an unknown job is 404, of a job that is no array 409', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'plain', status: 'FAILED' }));
  const unknown = await api.request('/v1/jobs/nope/retry-failed', { method: 'POST' });
  const plain = await api.request('/v1/jobs/plain/retry-failed', { method: 'POST' });
  t.is(unknown.status, 404);
  t.is(plain.status, 409);
  t.is(plain.body.detail, 'job plain is not an array job');
});
