// Access keys: the admin endpoint needs an admin's bearer token; the AWS-compatible routes take SigV4 only;
// `gpubatch keys create` prints what the endpoint returns.
import { DescribeJobsCommand } from '@aws-sdk/client-batch';
import test from 'ava';
import type { AccessKeyRecord, AccessKeyRegistry, AccessKeyRole } from '../../api/aws/context.ts';
import { startApi } from '../support/api-harness.ts';
import { batchClient } from '../support/aws-batch-client.ts';
import { gpubatch } from '../support/cli-harness.ts';

class MemoryAccessKeys implements AccessKeyRegistry {
  readonly keys = new Map<string, AccessKeyRecord>();
  async create(tenant: string, role: AccessKeyRole = 'submitter'): Promise<AccessKeyRecord> {
    const key = {
      accessKeyId: `GPBKTEST${this.keys.size.toString().padStart(12, '0')}`,
      secretAccessKey: `secret-${this.keys.size}`,
      tenant,
      role,
      createdAt: 1,
    };
    this.keys.set(key.accessKeyId, key);
    return key;
  }
  async get(id: string) {
    return this.keys.get(id);
  }
  async delete(id: string) {
    return this.keys.delete(id);
  }
}

function awsOptions(accessKeys = new MemoryAccessKeys()) {
  return { aws: { accessKeys, computeEnvironments: [] } };
}

test('creating a key needs the bearer token; the answer carries the secret once, uncached', async (t) => {
  const api = await startApi(t, awsOptions());
  const anonymous = await api.request('/v1/admin/access-keys', {
    method: 'POST',
    json: { tenant: 'a' },
    token: null,
  });
  t.is(anonymous.status, 401);
  const submitter = await api.request('/v1/admin/access-keys', {
    method: 'POST',
    json: { tenant: 'a' },
    token: await api.tokenFor('submitter'),
  });
  t.is(submitter.status, 403);
  const created = await api.request('/v1/admin/access-keys', {
    method: 'POST',
    json: { tenant: 'team-a' },
  });
  t.is(created.status, 201);
  t.is(created.headers.get('cache-control'), 'no-store');
  t.like(created.body, { tenant: 'team-a', secretAccessKey: 'secret-0' });
});

test('a tenant that is not a name is a 400 naming the field', async (t) => {
  const api = await startApi(t, awsOptions());
  const bad = await api.request('/v1/admin/access-keys', {
    method: 'POST',
    json: { tenant: 'two words' },
  });
  t.is(bad.status, 400);
  t.is(bad.body.errors[0].field, 'tenant');
});

test('the AWS routes ignore the bearer token and answer a SigV4-signed SDK call', async (t) => {
  const keys = new MemoryAccessKeys();
  const api = await startApi(t, awsOptions(keys));
  const bearerOnly = await api.request('/v1/describejobs', {
    method: 'POST',
    json: { jobs: ['x'] },
  });
  t.is(bearerOnly.status, 403);
  t.is(bearerOnly.headers.get('x-amzn-errortype'), 'IncompleteSignatureException');

  const batch = batchClient(t, api.url, await keys.create('team-a'));
  t.deepEqual((await batch.send(new DescribeJobsCommand({ jobs: ['x'] }))).jobs, []);
});

test('without the aws option neither the AWS routes nor the admin route exist', async (t) => {
  const api = await startApi(t);
  t.is((await api.request('/v1/submitjob', { method: 'POST', json: {} })).status, 404);
  t.is((await api.request('/v1/admin/access-keys', { method: 'POST', json: { tenant: 'a' } })).status, 404);
});

test('the OpenAPI document lists the admin route when the AWS endpoint is on', async (t) => {
  const api = await startApi(t, awsOptions());
  const { body } = await api.request('/openapi.json');
  t.truthy(body.paths['/v1/admin/access-keys'].post);
  t.truthy(body.components.schemas.AccessKey);
});

test('gpubatch keys create --tenant T --json prints {accessKeyId, secretAccessKey}', async (t) => {
  const api = await startApi(t, awsOptions());
  const env = api.env;
  const run = await gpubatch(['keys', 'create', '--tenant', 'team-b', '--json'], { env });
  t.is(run.code, 0, run.stderr);
  t.deepEqual(JSON.parse(run.stdout), { accessKeyId: 'GPBKTEST000000000000', secretAccessKey: 'secret-0' });
  const plain = await gpubatch(['keys', 'create', '--tenant', 'team-b'], { env });
  t.regex(plain.stdout, /access key id +GPBKTEST000000000001\nsecret access key +secret-1/);
});

test('gpubatch keys with an unknown subcommand, or create without --tenant, is a usage error', async (t) => {
  const noTenant = await gpubatch(['keys', 'create']);
  t.is(noTenant.code, 2);
  t.regex(noTenant.stderr, /--tenant is required/);
  const other = await gpubatch(['keys', 'rotate']);
  t.is(other.code, 2);
  t.regex(other.stderr, /unknown subcommand "rotate"/);
});

test('an unsigned request is refused before its body is read: 403, not 413, for a body over the limit', async (t) => {
  const api = await startApi(t, awsOptions());
  const huge = await api.request('/v1/submitjob', {
    method: 'POST',
    token: null,
    headers: { 'content-type': 'application/json' },
    body: `{"jobName":"${'x'.repeat(2 * 1024 * 1024)}"}`,
  });
  t.is(huge.status, 403);
  t.is(huge.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  t.is(huge.body.__type, 'MissingAuthenticationTokenException');
});

test('gpubatch keys delete revokes a key: the SDK is then refused, a second delete is a 404', async (t) => {
  const keys = new MemoryAccessKeys();
  const api = await startApi(t, awsOptions(keys));
  const { accessKeyId, secretAccessKey } = await keys.create('team-a');
  const batch = batchClient(t, api.url, { accessKeyId, secretAccessKey });
  const env = api.env;
  const revoked = await gpubatch(['keys', 'delete', accessKeyId], { env });
  t.is(revoked.code, 0, revoked.stderr);
  t.is(revoked.stdout, `${accessKeyId} revoked\n`);
  const refused = await t.throwsAsync(batch.send(new DescribeJobsCommand({ jobs: ['x'] })));
  t.is(refused?.name, 'UnrecognizedClientException');
  const again = await gpubatch(['keys', 'delete', accessKeyId], { env });
  t.is(again.code, 2);
  t.regex(again.stderr, /no access key with id/);
});
