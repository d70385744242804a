// Inference parameters live in the job spec schema: the API rejects bad values as problem+json naming
// the field, before anything is queued.
import test from 'ava';
import { aJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';

const inference = (params: Record<string, unknown>) =>
  aJobSpec({ kind: 'inference', kernel: undefined, model: '/models/mlp.onnx', params });

const invalid = [
  { params: { batchSize: 0 }, field: 'params.batchSize', message: 'must be an integer from 1 to 65536' },
  { params: { postprocess: 'max' }, field: 'params.postprocess', message: /Invalid option/ },
  { params: { postprocess: 'topk' }, field: 'params.k', message: 'required when postprocess is "topk"' },
  { params: { k: 3 }, field: 'params.k', message: 'only used when postprocess is "topk"' },
  { params: { reviewBelow: 1.5 }, field: 'params.reviewBelow', message: /<=1/ },
  {
    params: { shard: { index: 3, count: 3 } },
    field: 'params.shard.index',
    message: 'must be less than shard.count',
  },
  { params: { shard: { index: 0 } }, field: 'params.shard.count', message: /expected number/ },
  { params: { outputs: [] }, field: 'params.outputs', message: /expected array to have >=1 items/ },
  { params: { batchsize: 64 }, field: 'params.batchsize', message: 'unknown field' },
];

for (const { params, field, message } of invalid) {
  test(`inference params ${JSON.stringify(params)} are a 400 problem naming ${field}`, async (t) => {
    const api = await startApi(t);
    const response = await api.request('/v1/jobs', { method: 'POST', json: inference(params) });
    t.is(response.status, 400);
    t.is(response.contentType, 'application/problem+json; charset=utf-8');
    const problem = response.body.errors.find((error: { field: string }) => error.field === field);
    t.truthy(problem, JSON.stringify(response.body.errors));
    if (typeof message === 'string') t.is(problem.message, message);
    else t.regex(problem.message, message);
    t.is(api.jobs.submitted.length, 0);
  });
}

test('valid inference params are accepted as given', async (t) => {
  const api = await startApi(t);
  const params = { postprocess: 'topk', k: 3, reviewBelow: 0.6, shard: { index: 1, count: 4 } };
  const response = await api.request('/v1/jobs', { method: 'POST', json: inference(params) });
  t.is(response.status, 201, JSON.stringify(response.body));
  t.deepEqual(api.jobs.submitted[0]?.params, params);
});
