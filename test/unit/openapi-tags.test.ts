// The OpenAPI document groups operations by the resource their path names.
import test from 'ava';
import { OPERATION_TAGS, tagFor, tagOperations, tagsUsedBy } from '../../api/openapi-tags.ts';

test('each /v1 resource has its tag; events go together whichever resource they hang off', (t) => {
  t.is(tagFor('/v1/jobs/{id}/cancel'), 'Jobs');
  t.is(tagFor('/v1/job-definitions/{name}'), 'Job definitions');
  t.is(tagFor('/v1/jobs/{id}/events'), 'Events');
  t.is(tagFor('/v1/events'), 'Events');
  t.is(tagFor('/v1/admin/access-keys/{id}'), 'Access keys');
  t.is(tagFor('/metrics'), 'Service');
});

test('a /v1 path no rule knows gets an undeclared tag, which the OpenAPI lint rejects', (t) => {
  const declared = OPERATION_TAGS.map((tag) => tag.name as string);

  t.is(tagFor('/v1/widgets/{id}'), 'widgets');
  t.false(declared.includes('widgets'));
});

test('tagging keeps every operation and its fields', (t) => {
  const paths = {
    '/v1/queues': { get: { operationId: 'listQueues' }, post: { operationId: 'createQueue' } },
  };

  t.deepEqual(tagOperations(paths), {
    '/v1/queues': {
      get: { operationId: 'listQueues', tags: ['Queues'] },
      post: { operationId: 'createQueue', tags: ['Queues'] },
    },
  });
});

test('only the tags some operation uses are declared, in the order of the sections', (t) => {
  const paths = tagOperations({
    '/healthz': { get: {} },
    '/v1/queues': { get: {} },
    '/v1/jobs': { get: {} },
  });

  t.deepEqual(
    tagsUsedBy(paths).map((tag) => tag.name),
    ['Jobs', 'Queues', 'Service'],
  );
});
