// Submitting by job definition over HTTP into the real job service and scheduler (Redis, fake executor).
import test from 'ava';
import type { Redis } from 'ioredis';
import { JobDefinitionStore } from '../../scheduler/store/job-definition-store.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { type AuthedApi, serveAuthedApi } from '../support/authed-api.ts';
import { gpuNodes } from '../support/builders.ts';
import { success } from '../support/fake-executor.ts';
import { type TestRedis, testRedis } from '../support/redis-server.ts';
import { type SchedulerHarness, schedulerHarness } from '../support/scheduler-harness.ts';

let redis: TestRedis;
let harness: SchedulerHarness;
let client: Redis;
let server: AuthedApi;

test.before(async () => {
  redis = await testRedis();
  harness = await schedulerHarness(redis.url, gpuNodes(1, { gpus: 2, cpuMilli: 8000, memoryMiB: 16_384 }));
  client = connect(redis.url);
  server = await serveAuthedApi(redis.url, {
    jobs: harness.jobs,
    definitions: new JobDefinitionStore(client),
  });
});

test.after.always(async () => {
  await server?.close();
  client?.disconnect();
  await harness?.stop();
  await redis?.stop();
});

async function call(method: string, path: string, body?: unknown) {
  const response = await server.fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

test.serial(
  'a job submitted by name runs the latest ACTIVE revision, with its placeholders filled',
  async (t) => {
    const definition = {
      name: 'nightly',
      kind: 'kernel',
      kernel: 'standardize',
      input: '/data/Ref::day/in.npy',
      output: '/data/Ref::day/out.npy',
      parameters: { day: 'default-day' },
    };
    t.is((await call('POST', '/v1/job-definitions', definition)).body.revision, 1);
    t.is(
      (await call('POST', '/v1/job-definitions', { ...definition, resources: { gpus: 1 } })).body.revision,
      2,
    );
    t.is(
      (await call('POST', '/v1/job-definitions', { ...definition, resources: { gpus: 2 } })).body.revision,
      3,
    );
    t.is((await call('DELETE', '/v1/job-definitions/nightly/3')).body.status, 'INACTIVE');

    const submitted = await call('POST', '/v1/jobs', {
      jobDefinition: 'nightly',
      parameters: { day: '2025-05-05' },
    });

    t.is(submitted.status, 201);
    t.like(submitted.body, {
      jobDefinition: 'nightly:2',
      spec: { input: '/data/2025-05-05/in.npy', resources: { gpus: 1 } },
    });
    (await harness.executor.started(submitted.body.id)).settle(success());
    const done = await harness.waitForStatus(submitted.body.id, 'SUCCEEDED');
    t.is(done.jobDefinition, 'nightly:2');
  },
);

test.serial(
  'an INACTIVE revision takes no new jobs, and a definition that can never fit is refused like a spec',
  async (t) => {
    const refused = await call('POST', '/v1/jobs', { jobDefinition: 'nightly:3' });
    const tooBig = await call('POST', '/v1/jobs', { jobDefinition: 'nightly:2', resources: { gpus: 8 } });

    t.is(refused.status, 422);
    t.is(refused.body.errors[0].field, 'jobDefinition');
    t.is(tooBig.status, 422);
    t.is(tooBig.body.errors[0].field, 'resources');
  },
);
