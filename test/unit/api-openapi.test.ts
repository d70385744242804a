// /openapi.json is an OpenAPI 3.1 document generated from the zod schemas.
import test from 'ava';
import { LIMITS } from '../../api/schemas/job-spec.ts';
import { startApi } from '../support/api-harness.ts';
import { FakeQueueCatalog } from '../support/fake-queue-catalog.ts';

test('it lists every route with its methods', async (t) => {
  const api = await startApi(t);

  const { status, body } = await api.request('/openapi.json');

  t.is(status, 200);
  t.is(body.openapi, '3.1.0');
  t.is(body.jsonSchemaDialect, undefined, "OpenAPI's default dialect, the only one Swagger UI renders");
  const operations = Object.entries(body.paths).flatMap(([path, methods]) =>
    Object.keys(methods as object).map((method) => `${method.toUpperCase()} ${path}`),
  );
  t.deepEqual(operations.sort(), [
    'DELETE /v1/admin/tokens/{id}',
    'DELETE /v1/job-definitions/{name}/{revision}',
    'GET /healthz',
    'GET /metrics',
    'GET /openapi.json',
    'GET /readyz',
    'GET /v1/admin/tokens',
    'GET /v1/compute-environments',
    'GET /v1/job-definitions',
    'GET /v1/job-definitions/{name}',
    'GET /v1/job-definitions/{name}/{revision}',
    'GET /v1/jobs',
    'GET /v1/jobs/{id}',
    'GET /v1/jobs/{id}/logs',
    'GET /v1/queues',
    'POST /v1/admin/tokens',
    'POST /v1/job-definitions',
    'POST /v1/jobs',
    'POST /v1/jobs/{id}/cancel',
    'POST /v1/jobs/{id}/retry-failed',
    'POST /v1/jobs/{id}/terminate',
  ]);
});

test('the JobSpec component comes from JobSpecSchema, limits and defaults included', async (t) => {
  const api = await startApi(t);

  const { body } = await api.request('/openapi.json');
  const spec = body.components.schemas.JobSpec;

  t.deepEqual(spec.required.sort(), ['input', 'kind', 'name', 'output']);
  t.deepEqual(spec.properties.kind.enum, ['kernel', 'inference']);
  t.is(spec.properties.resources.properties.gpus.maximum, LIMITS.gpus);
  t.is(spec.properties.queue.default, 'default');
  t.is(spec.properties.retry.properties.evaluateOnExit.maxItems, 5);
  t.deepEqual(spec.properties.retry.properties.evaluateOnExit.items.required, ['action']);
  t.is(spec.$schema, undefined);
  t.deepEqual(body.paths['/v1/jobs'].post.requestBody.content['application/json'].schema, {
    oneOf: [
      { $ref: '#/components/schemas/JobSpec' },
      { $ref: '#/components/schemas/JobDefinitionSubmission' },
    ],
  });
});

test('job definitions are described from their schemas: registration, submission by definition, records', async (t) => {
  const api = await startApi(t);

  const { body } = await api.request('/openapi.json');
  const { JobDefinition, JobDefinitionSubmission, JobDefinitionRecord } = body.components.schemas;

  t.deepEqual(JobDefinition.required.sort(), ['input', 'kind', 'name', 'output']);
  t.deepEqual(JobDefinitionSubmission.required, ['jobDefinition']);
  t.truthy(JobDefinitionSubmission.properties.jobDefinition.pattern);
  t.deepEqual(JobDefinitionRecord.properties.status.enum, ['ACTIVE', 'INACTIVE']);
  t.deepEqual(body.paths['/v1/job-definitions/{name}/{revision}'].delete.responses['200'].content, {
    'application/json': { schema: { $ref: '#/components/schemas/JobDefinitionRecord' } },
  });
});

test('errors are described by the Problem schema as application/problem+json', async (t) => {
  const api = await startApi(t);

  const { body } = await api.request('/openapi.json');

  t.deepEqual(body.components.schemas.Problem.required.sort(), ['detail', 'status', 'title', 'type']);
  t.deepEqual(body.paths['/v1/jobs'].post.responses['400'].content['application/problem+json'].schema, {
    $ref: '#/components/schemas/Problem',
  });
});

test('every $ref points at a component that exists', async (t) => {
  const api = await startApi(t);

  const { body } = await api.request('/openapi.json');
  const refs = [...JSON.stringify(body).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
    (m) => m[1],
  );

  t.true(refs.length > 0);
  for (const ref of new Set(refs)) t.truthy(body.components.schemas[ref!], `missing component ${ref}`);
});

test('/v1 operations and /metrics declare bearer security; probes do not', async (t) => {
  const api = await startApi(t);

  const { body } = await api.request('/openapi.json');

  t.deepEqual(body.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' });
  t.deepEqual(body.paths['/v1/jobs'].get.security, [{ bearer: [] }]);
  t.deepEqual(body.paths['/metrics'].get.security, [{ bearer: [] }]);
  t.deepEqual(body.paths['/v1/admin/tokens'].post.security, [{ bearer: [] }]);
  t.truthy(body.paths['/v1/jobs'].post.responses['403']);
  t.deepEqual(body.paths['/healthz'].get.security, []);
});

test('every operation has a unique operationId, a summary and a declared tag', async (t) => {
  const api = await startApi(t, { queueCatalog: new FakeQueueCatalog() });

  const { body } = await api.request('/openapi.json');
  const operations = Object.values(body.paths).flatMap((item) => Object.values(item as object));
  const declared = new Set(body.tags.map((tag: { name: string }) => tag.name));

  const ids = operations.map((operation) => operation.operationId);
  t.is(new Set(ids).size, ids.length);
  for (const operation of operations) {
    t.truthy(operation.summary, operation.operationId);
    t.is(operation.tags.length, 1, operation.operationId);
    t.true(declared.has(operation.tags[0]), `${operation.operationId}: undeclared tag ${operation.tags[0]}`);
  }
  t.deepEqual(body.paths['/v1/queues/{name}'].get.tags, ['Queues']);
  t.deepEqual(body.paths['/healthz'].get.tags, ['Service']);
});

test('query parameters carry the description of their schema field', async (t) => {
  const api = await startApi(t);

  const { body } = await api.request('/openapi.json');
  const queue = body.paths['/v1/jobs'].get.parameters.find((p: { name: string }) => p.name === 'queue');

  t.is(queue.description, 'Only jobs of this queue.');
  t.is(queue.schema.description, undefined);
  t.is(queue.schema.maxLength, 128);
});

test('with an event feed, the two Server-Sent Events routes are described', async (t) => {
  const api = await startApi(t, {
    events: {
      lastId: async () => '0-0',
      after: async () => ({ events: [], missed: false }),
      follow: () => () => {},
    },
  });

  const { body } = await api.request('/openapi.json');

  t.deepEqual(Object.keys(body.paths['/v1/events']), ['get']);
  t.deepEqual(Object.keys(body.paths['/v1/jobs/{id}/events']), ['get']);
  t.truthy(body.paths['/v1/events'].get.responses['200'].content['text/event-stream']);
});

test('with a queue catalog, queue creation and changes are described from their schemas', async (t) => {
  const api = await startApi(t, { queueCatalog: new FakeQueueCatalog() });

  const { body } = await api.request('/openapi.json');

  t.truthy(body.paths['/v1/queues'].post);
  t.deepEqual(Object.keys(body.paths['/v1/queues/{name}']).sort(), ['get', 'patch']);
  t.deepEqual(body.components.schemas.QueueCreate.required, ['name']);
  t.deepEqual(body.components.schemas.QueuePatch.properties.state.enum, ['ENABLED', 'DISABLED']);
  t.is(body.components.schemas.Queue.properties.maxConcurrentJobs.minimum, 1);
});
