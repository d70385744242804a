// The API's limits and hardening over HTTP: security headers on every answer, CORS only for listed
// origins, the per-caller rate limit (429 + Retry-After, native and AWS-shaped), deep JSON refused.
import { DescribeJobsCommand, SubmitJobCommand } from '@aws-sdk/client-batch';
import test from 'ava';
import express from 'express';
import type { AccessKeyRecord, AccessKeyRegistry } from '../../api/aws/context.ts';
import { rateLimit } from '../../api/hardening/rate-limit.ts';
import { TokenBuckets } from '../../api/hardening/token-buckets.ts';
import type { JobEventFeed } from '../../scheduler/store/job-events.ts';
import { aJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';
import { batchClient } from '../support/aws-batch-client.ts';
import { serve } from '../support/http-server.ts';

const ROUTES = ['/healthz', '/openapi.json', '/metrics', '/v1/jobs', '/v1/nowhere'];

for (const path of ROUTES) {
  test(`GET ${path} carries the security headers and no X-Powered-By`, async (t) => {
    const api = await startApi(t);

    const response = await api.request(path);

    t.is(response.headers.get('x-content-type-options'), 'nosniff');
    t.is(response.headers.get('referrer-policy'), 'no-referrer');
    t.is(response.headers.get('x-frame-options'), 'DENY');
    const csp = response.headers.get('content-security-policy') ?? '';
    t.regex(csp, /default-src 'self'/);
    t.regex(csp, /frame-ancestors 'none'/);
    t.is(response.headers.get('x-powered-by'), null);
  });
}

test('a 401 carries the security headers too', async (t) => {
  const api = await startApi(t);
  const response = await api.request('/v1/jobs', { token: null });
  t.is(response.status, 401);
  t.is(response.headers.get('x-content-type-options'), 'nosniff');
});

const ORIGIN = 'https://dashboard.example.com';

function preflight(origin: string) {
  return {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization',
    },
  };
}

test('without configured origins, CORS is off: no Allow-Origin, preflights refused', async (t) => {
  const api = await startApi(t);

  const simple = await api.request('/v1/jobs', { headers: { origin: ORIGIN } });
  const pre = await api.request('/v1/jobs', preflight(ORIGIN));

  t.is(simple.status, 200);
  t.is(simple.headers.get('access-control-allow-origin'), null);
  t.is(pre.status, 403);
  t.is(pre.headers.get('access-control-allow-origin'), null);
});

test('a listed origin is echoed (never "*") and its preflight answered', async (t) => {
  const api = await startApi(t, { hardening: { corsOrigins: [ORIGIN] } });

  const pre = await api.request('/v1/jobs', preflight(ORIGIN));
  const simple = await api.request('/v1/jobs', { headers: { origin: ORIGIN } });

  t.is(pre.status, 204);
  t.is(pre.headers.get('access-control-allow-origin'), ORIGIN);
  t.regex(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
  t.regex(pre.headers.get('access-control-allow-headers') ?? '', /Authorization/);
  t.regex(pre.headers.get('vary') ?? '', /Origin/);
  t.is(simple.headers.get('access-control-allow-origin'), ORIGIN);
  t.regex(simple.headers.get('access-control-expose-headers') ?? '', /Retry-After/);
});

test('an origin not listed gets no CORS headers even when others are configured', async (t) => {
  const api = await startApi(t, { hardening: { corsOrigins: [ORIGIN] } });

  const pre = await api.request('/v1/jobs', preflight('https://evil.example.net'));
  const simple = await api.request('/v1/jobs', { headers: { origin: 'https://evil.example.net' } });

  t.is(pre.status, 403);
  t.is(pre.headers.get('access-control-allow-origin'), null);
  t.is(simple.headers.get('access-control-allow-origin'), null);
});

test('a caller over its rate gets 429 problem+json with Retry-After; time brings it back', async (t) => {
  let now = 0;
  const api = await startApi(t, {
    hardening: { rateLimit: { requestsPerSecond: 1, burst: 2 }, now: () => now },
  });

  const first = await api.request('/v1/jobs');
  const second = await api.request('/v1/jobs');
  const limited = await api.request('/v1/jobs');
  now += 1000;
  const again = await api.request('/v1/jobs');

  t.deepEqual([first.status, second.status, limited.status, again.status], [200, 200, 429, 200]);
  t.is(limited.headers.get('retry-after'), '1');
  t.is(limited.contentType, 'application/problem+json; charset=utf-8');
  t.like(limited.body, { type: 'urn:gpubatch:problem:too-many-requests', status: 429, instance: '/v1/jobs' });
});

test('the probes are never rate limited', async (t) => {
  const api = await startApi(t, {
    hardening: { rateLimit: { requestsPerSecond: 1, burst: 1 }, now: () => 0 },
  });
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await api.request('/healthz')).status);
  t.deepEqual(statuses, [200, 200, 200, 200, 200]);
});

test('a rejected request costs the service nothing: the job is not submitted', async (t) => {
  const api = await startApi(t, {
    hardening: { rateLimit: { requestsPerSecond: 1, burst: 1 }, now: () => 0 },
  });
  await api.request('/v1/jobs');
  const limited = await api.request('/v1/jobs', { method: 'POST', json: aJobSpec() });
  t.is(limited.status, 429);
  t.is(api.jobs.submitted.length, 0);
});

test('the default limit lets a CLI-sized burst through', async (t) => {
  const api = await startApi(t, { hardening: { now: () => 0 } });
  const statuses = await Promise.all(Array.from({ length: 200 }, () => api.request('/v1/jobs')));
  t.true(statuses.every((r) => r.status === 200));
  t.is((await api.request('/v1/jobs')).status, 429);
});

function nestedJson(depth: number): string {
  return `{"name":"deep","kind":"kernel","kernel":"standardize","input":"a.npy","output":"b.npy","params":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
}

test('JSON nested deeper than the limit is a 400 naming the body; up to it is read as usual', async (t) => {
  const api = await startApi(t, { hardening: { maxJsonDepth: 8 } });
  const post = (body: string) =>
    api.request('/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  const deep = await post(nestedJson(7)); // 2 levels of spec and params + 7 arrays
  const allowed = await post(nestedJson(6));

  t.is(deep.status, 400);
  t.deepEqual(deep.body.errors, [{ field: 'body', message: 'JSON nesting is deeper than 8 levels' }]);
  t.is(allowed.status, 201);
});

test('a body of a hundred thousand nested arrays is a 400, and the service keeps answering', async (t) => {
  const api = await startApi(t);
  const response = await api.request('/v1/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: nestedJson(100_000),
  });
  t.is(response.status, 400);
  t.is((await api.request('/healthz')).status, 200);
});

class OneKey implements AccessKeyRegistry {
  readonly key: AccessKeyRecord = {
    accessKeyId: 'GPBKTEST000000000001',
    secretAccessKey: 'aws-secret-value',
    tenant: 'a',
    role: 'submitter',
    createdAt: 1,
  };
  async create(): Promise<AccessKeyRecord> {
    return this.key;
  }
  async get(id: string) {
    return id === this.key.accessKeyId ? this.key : undefined;
  }
  async delete() {
    return false;
  }
}

test('the AWS endpoint shares the limit and answers 429 TooManyRequestsException with Retry-After', async (t) => {
  const keys = new OneKey();
  const api = await startApi(t, {
    aws: { accessKeys: keys, computeEnvironments: [] },
    hardening: { rateLimit: { requestsPerSecond: 1, burst: 1 }, now: () => 0 },
  });
  const batch = batchClient(t, api.url, keys.key);

  await batch.send(new DescribeJobsCommand({ jobs: ['x'] }));
  const error = await t.throwsAsync(batch.send(new DescribeJobsCommand({ jobs: ['x'] })));

  t.is(error?.name, 'TooManyRequestsException');
  t.is((error as { $response?: { headers: Record<string, string> } }).$response?.headers['retry-after'], '1');
});

test('the limit is per principal: two tokens from one address have a bucket each', async (t) => {
  const buckets = new TokenBuckets({ requestsPerSecond: 1, burst: 1 }, () => 0);
  const app = express();
  // Stands in for the authentication middleware, which sets the principal before the limit runs.
  app.use((req, res, next) => {
    res.locals['principal'] = { id: req.get('x-test-principal'), role: 'submitter', tenant: 't' };
    next();
  });
  app.use(rateLimit(buckets));
  app.get('/', (_req, res) => {
    res.json({});
  });
  const server = await serve(app);
  t.teardown(() => server.close());
  const as = async (id: string) => (await fetch(server.url, { headers: { 'x-test-principal': id } })).status;

  t.deepEqual([await as('alice'), await as('bob'), await as('alice'), await as('bob')], [200, 200, 429, 429]);
});

const overLongFields = [
  { field: 'input', spec: { input: `${'d/'.repeat(2100)}in.npy` } },
  { field: 'model', spec: { kind: 'inference', kernel: undefined, model: `${'m'.repeat(4097)}.onnx` } },
  { field: 'kernel', spec: { kernel: 'k'.repeat(129) } },
  { field: 'sameLabel', spec: { sameLabel: 'l'.repeat(318) } },
  {
    field: 'resources.gpuModel',
    spec: { resources: { gpuModel: Array.from({ length: 65 }, (_, i) => `m${i}`) } },
  },
  { field: 'resources.gpuModel[0]', spec: { resources: { gpuModel: ['g'.repeat(129)] } } },
];

for (const { field, spec } of overLongFields) {
  test(`an over-long ${field} is a 400 naming it`, async (t) => {
    const api = await startApi(t);
    const response = await api.request('/v1/jobs', { method: 'POST', json: aJobSpec(spec) });
    t.is(response.status, 400);
    t.true(
      response.body.errors.some((error: { field: string }) => error.field === field),
      JSON.stringify(response.body.errors),
    );
  });
}

/** A feed that delivers one status event every 20 ms to each follower. */
const tickingFeed: JobEventFeed = {
  lastId: async () => '0-0',
  after: async () => ({ events: [], missed: false }),
  follow: (_afterId, onEvents) => {
    let n = 0;
    const timer = setInterval(() => {
      n += 1;
      onEvents([
        {
          id: `${n}-0`,
          jobId: 'j',
          queue: 'default',
          tenant: 'default',
          at: n,
          type: 'status',
          status: 'RUNNING',
          reason: '',
        },
      ]);
    }, 20);
    return () => clearInterval(timer);
  },
};

test('an SSE stream costs one token however many events it delivers', async (t) => {
  const api = await startApi(t, {
    events: tickingFeed,
    hardening: { rateLimit: { requestsPerSecond: 1, burst: 2 }, now: () => 0 },
  });
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  const stream = await fetch(`${api.url}/v1/events`, {
    signal: controller.signal,
    headers: { authorization: `Bearer ${api.token}` },
  });
  const reader = stream.body!.getReader();
  let received = '';
  while ((received.match(/^event: /gm) ?? []).length < 5)
    received += new TextDecoder().decode((await reader.read()).value);

  const second = await api.request('/v1/jobs');
  const third = await api.request('/v1/jobs');

  t.is(stream.status, 200);
  t.deepEqual([second.status, third.status], [200, 429]);
});

test('the AWS endpoint applies the body limit and the JSON depth limit to signed requests too', async (t) => {
  const keys = new OneKey();
  const api = await startApi(t, {
    aws: { accessKeys: keys, computeEnvironments: [] },
    bodyLimit: '1kb',
    hardening: { maxJsonDepth: 2 },
  });
  const batch = batchClient(t, api.url, keys.key);
  const submit = (overrides: object) =>
    batch.send(new SubmitJobCommand({ jobName: 'j', jobQueue: 'default', jobDefinition: 'd', ...overrides }));

  const large = await t.throwsAsync(submit({ parameters: { padding: 'x'.repeat(2048) } }));
  const deep = await t.throwsAsync(
    submit({ containerOverrides: { environment: [{ name: 'A', value: '1' }] } }),
  );

  t.is((large as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 413);
  t.is(deep?.name, 'ClientException');
  t.regex(deep?.message ?? '', /JSON nesting is deeper than 2 levels/);
});

test('the OpenAPI document gives every /v1 operation its 429 with Retry-After, and no probe one', async (t) => {
  const api = await startApi(t);
  const { paths } = (await api.request('/openapi.json')).body as {
    paths: Record<string, Record<string, { responses: Record<string, { headers?: object }> }>>;
  };
  const operations = Object.entries(paths).flatMap(([path, item]) =>
    Object.values(item).map((operation) => ({ path, responses: operation.responses })),
  );
  const v1 = operations.filter((o) => o.path.startsWith('/v1/'));
  t.true(v1.length > 10);
  t.true(v1.every((o) => o.responses['429']?.headers !== undefined));
  t.true(
    operations.filter((o) => ['/healthz', '/readyz'].includes(o.path)).every((o) => !o.responses['429']),
  );
});
