// The AWS-Batch-compatible endpoint driven by the real @aws-sdk/client-batch against the real job service,
// job definition store, access keys and scheduler (Redis; fake executor standing in for the runners).
import {
  BatchClient,
  CancelJobCommand,
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DeregisterJobDefinitionCommand,
  DescribeComputeEnvironmentsCommand,
  DescribeJobDefinitionsCommand,
  DescribeJobQueuesCommand,
  DescribeJobsCommand,
  GetJobQueueSnapshotCommand,
  ListJobsCommand,
  RegisterJobDefinitionCommand,
  type RegisterJobDefinitionCommandInput,
  SubmitJobCommand,
  TerminateJobCommand,
  UpdateComputeEnvironmentCommand,
  UpdateJobQueueCommand,
} from '@aws-sdk/client-batch';
import test from 'ava';
import type { Redis } from 'ioredis';
import { createApp } from '../../api/app.ts';
import { QueueSchema } from '../../scheduler/config.ts';
import type { AttemptOutcome } from '../../scheduler/executors/executor.ts';
import { AccessKeyStore } from '../../scheduler/store/access-keys.ts';
import { JobDefinitionStore } from '../../scheduler/store/job-definition-store.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { bearer, redisAuth } from '../support/authed-api.ts';
import { gpuNodes } from '../support/builders.ts';
import { success } from '../support/fake-executor.ts';
import { type RunningServer, serve } from '../support/http-server.ts';
import { type TestRedis, testRedis } from '../support/redis-server.ts';
import { type SchedulerHarness, schedulerHarness } from '../support/scheduler-harness.ts';

const QUEUES = ['default', 'paged', 'snap'];
let redis: TestRedis;
let harness: SchedulerHarness;
let client: Redis;
let server: RunningServer;
let batch: BatchClient;
/** A key with role admin: queues and compute environments, which every tenant shares, need one. */
let adminBatch: BatchClient;
let credentials: { accessKeyId: string; secretAccessKey: string };
/** An admin's bearer token, for the native admin route that creates access keys. */
let adminToken: string;

function batchClient(creds: { accessKeyId: string; secretAccessKey: string }): BatchClient {
  return new BatchClient({ endpoint: server.url, region: 'eu-west-1', credentials: creds, maxAttempts: 1 });
}

test.before(async () => {
  redis = await testRedis();
  harness = await schedulerHarness(redis.url, gpuNodes(1, { gpus: 2 }), { queues: QUEUES });
  client = connect(redis.url);
  const { auth, token } = await redisAuth(client);
  adminToken = token;
  const app = createApp({
    auth,
    jobs: harness.jobs,
    definitions: new JobDefinitionStore(client),
    queueCatalog: harness.registry,
    computeEnvironmentCatalog: harness.environments,
    aws: {
      accessKeys: new AccessKeyStore(client),
      computeEnvironments: [{ name: 'local', type: 'local', scorer: 'best-fit' }],
    },
  });
  server = await serve(app);
  const created = await fetch(`${server.url}/v1/admin/access-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: JSON.stringify({ tenant: 'team-a' }),
  });
  credentials = (await created.json()) as typeof credentials;
  batch = batchClient(credentials);
  const createdAdmin = await fetch(`${server.url}/v1/admin/access-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: JSON.stringify({ tenant: 'team-a', role: 'admin' }),
  });
  adminBatch = batchClient((await createdAdmin.json()) as typeof credentials);
});

test.after.always(async () => {
  batch?.destroy();
  adminBatch?.destroy();
  await server?.close();
  client?.disconnect();
  await harness?.stop();
  await redis?.stop();
});

const kernelDefinition = (name: string, extra: Partial<RegisterJobDefinitionCommandInput> = {}) =>
  ({
    jobDefinitionName: name,
    type: 'container',
    parameters: { day: 'monday' },
    containerProperties: {
      image: 'ignored:latest',
      command: [
        'gpubatch',
        'kernel',
        'standardize',
        '--input',
        '/data/Ref::day/in.npy',
        '--output',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: AWS's placeholder, filled per array child
        '/data/Ref::day/out-${AWS_BATCH_JOB_ARRAY_INDEX}.npy',
        '--param',
        'epsilon=0.001',
      ],
      resourceRequirements: [
        { type: 'GPU', value: '1' },
        { type: 'VCPU', value: '2' },
        { type: 'MEMORY', value: '4096' },
      ],
    },
    ...extra,
  }) satisfies RegisterJobDefinitionCommandInput;

const exited = (exitCode: number): AttemptOutcome => ({
  kind: 'failed',
  failure: { code: 'NONZERO_EXIT', message: `the process exited with ${exitCode}`, retryable: true },
  exitCode,
});

/** Waits until the job's attempt has started and tells the scheduler it runs (STARTING -> RUNNING). */
async function running(id: string) {
  (await harness.executor.started(id)).hooks.onStarted('fake:cpu');
  await harness.waitForStatus(id, 'RUNNING');
}

async function describe(id: string) {
  const { jobs } = await batch.send(new DescribeJobsCommand({ jobs: [id] }));
  return jobs?.[0];
}

async function awsError(
  promise: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail');
}

test.serial('unsigned, badly signed and unknown-key requests are refused with AWS error types', async (t) => {
  const unsigned = await fetch(`${server.url}/v1/describejobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"jobs":["x"]}',
  });
  t.is(unsigned.status, 403);
  t.is(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');

  const wrongSecret = batchClient({ ...credentials, secretAccessKey: `${credentials.secretAccessKey}x` });
  const bad = await awsError(wrongSecret.send(new DescribeJobsCommand({ jobs: ['x'] })));
  t.like(bad, { name: 'InvalidSignatureException', status: 403 });
  wrongSecret.destroy();

  const unknown = batchClient({ accessKeyId: 'GPBKNOSUCHKEY0000000', secretAccessKey: 'x' });
  t.like(await awsError(unknown.send(new DescribeJobsCommand({ jobs: ['x'] }))), {
    name: 'UnrecognizedClientException',
    status: 403,
  });
  unknown.destroy();
});

test.serial(
  'job definitions register as revisions, describe with their command, deregister to INACTIVE',
  async (t) => {
    const first = await batch.send(new RegisterJobDefinitionCommand(kernelDefinition('nightly')));
    t.like(first, {
      jobDefinitionName: 'nightly',
      revision: 1,
      jobDefinitionArn: 'arn:aws:batch:eu-west-1:000000000000:job-definition/nightly:1',
    });
    const second = await batch.send(new RegisterJobDefinitionCommand(kernelDefinition('nightly')));
    t.is(second.revision, 2);

    const described = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitions: ['nightly:1'] }));
    t.is(described.jobDefinitions?.length, 1);
    t.like(described.jobDefinitions?.[0], {
      status: 'ACTIVE',
      type: 'container',
      parameters: { day: 'monday' },
    });
    t.deepEqual(
      described.jobDefinitions?.[0]?.containerProperties?.command,
      kernelDefinition('x').containerProperties.command,
    );
    t.deepEqual(described.jobDefinitions?.[0]?.containerProperties?.resourceRequirements, [
      { type: 'GPU', value: '1' },
      { type: 'VCPU', value: '2' },
      { type: 'MEMORY', value: '4096' },
    ]);

    await batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: first.jobDefinitionArn! }));
    const byName = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitions: ['nightly'] }));
    t.deepEqual(
      byName.jobDefinitions?.map((d) => [d.revision, d.status]),
      [
        [2, 'ACTIVE'],
        [1, 'INACTIVE'],
      ],
    );
  },
);

test.serial('DescribeJobDefinitions pages with maxResults and nextToken', async (t) => {
  for (let i = 0; i < 3; i++)
    await batch.send(new RegisterJobDefinitionCommand(kernelDefinition('paged-def')));
  const seen: number[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await batch.send(
      new DescribeJobDefinitionsCommand({ jobDefinitionName: 'paged-def', maxResults: 2, nextToken }),
    );
    seen.push(...(page.jobDefinitions ?? []).map((d) => d.revision!));
    nextToken = page.nextToken;
    pages++;
  } while (nextToken);
  t.deepEqual(seen, [3, 2, 1]);
  t.is(pages, 2);
});

test.serial(
  'a command that cannot map, a multinode type and attemptDurationSeconds < 60 are ClientExceptions',
  async (t) => {
    const shell = kernelDefinition('shell');
    shell.containerProperties.command = ['bash', '-c', 'echo hi'];
    const refused = await awsError(batch.send(new RegisterJobDefinitionCommand(shell)));
    t.like(refused, { name: 'ClientException', status: 400 });
    t.regex(refused.message, /containerProperties\.command: the command must start with "gpubatch"/);

    t.regex(
      (
        await awsError(
          batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: 'mn', type: 'multinode' })),
        )
      ).message,
      /multinode job definitions are not supported/,
    );
    const short = await awsError(
      batch.send(
        new RegisterJobDefinitionCommand(
          kernelDefinition('short', { timeout: { attemptDurationSeconds: 30 } }),
        ),
      ),
    );
    t.like(short, { name: 'ClientException' });
    t.regex(short.message, /attemptDurationSeconds: at least 60 seconds/);
  },
);

test.serial(
  'SubmitJob runs the definition with its parameters and resources; DescribeJobs shows it in AWS shape',
  async (t) => {
    await batch.send(new RegisterJobDefinitionCommand(kernelDefinition('run-me')));
    const submitted = await batch.send(
      new SubmitJobCommand({
        jobName: 'monday-run',
        jobQueue: 'arn:aws:batch:eu-west-1:000000000000:job-queue/default',
        jobDefinition: 'run-me',
        parameters: { day: 'tuesday' },
        containerOverrides: { resourceRequirements: [{ type: 'MEMORY', value: '2048' }] },
        timeout: { attemptDurationSeconds: 600 },
      }),
    );
    t.is(submitted.jobName, 'monday-run');
    const native = await harness.jobs.get(submitted.jobId!);
    t.like(native?.spec, {
      kind: 'kernel',
      kernel: 'standardize',
      input: '/data/tuesday/in.npy',
      params: { epsilon: 0.001 },
      resources: { gpus: 1, cpuMilli: 2000, memoryMiB: 2048 },
      timeoutSeconds: 600,
      shareIdentifier: 'team-a',
    });
    t.is(native?.jobDefinition, 'run-me:1');

    (await harness.executor.started(submitted.jobId!)).settle(success());
    await harness.waitForStatus(submitted.jobId!, 'SUCCEEDED');
    const detail = await describe(submitted.jobId!);
    t.like(detail, {
      jobId: submitted.jobId,
      jobName: 'monday-run',
      status: 'SUCCEEDED',
      jobQueue: 'arn:aws:batch:eu-west-1:000000000000:job-queue/default',
      jobDefinition: 'arn:aws:batch:eu-west-1:000000000000:job-definition/run-me:1',
      timeout: { attemptDurationSeconds: 600 },
    });
    t.is(typeof detail?.createdAt, 'number');
    t.true(detail!.stoppedAt! >= detail!.startedAt! && detail!.startedAt! >= detail!.createdAt!);
    t.deepEqual(detail?.container?.command?.slice(0, 6), [
      'gpubatch',
      'kernel',
      'standardize',
      '--input',
      '/data/tuesday/in.npy',
      '--output',
    ]);
    t.is(detail?.attempts?.length, 1);
    t.deepEqual((await batch.send(new DescribeJobsCommand({ jobs: ['no-such-job'] }))).jobs, []);
  },
);

test.serial('a retry strategy with evaluateOnExit EXIT fails after one attempt on exit code 3', async (t) => {
  await batch.send(
    new RegisterJobDefinitionCommand(
      kernelDefinition('retrying', {
        retryStrategy: { attempts: 3, evaluateOnExit: [{ onExitCode: '3', action: 'EXIT' }] },
      }),
    ),
  );
  const { jobId } = await batch.send(
    new SubmitJobCommand({ jobName: 'r', jobQueue: 'default', jobDefinition: 'retrying' }),
  );
  (await harness.executor.started(jobId!)).settle(exited(4));
  await harness.waitFor(jobId!, (r) => r.attempts.length === 2, 'a second attempt');
  (await harness.executor.started(jobId!)).settle(exited(3));
  await harness.waitForStatus(jobId!, 'FAILED');
  const detail = await describe(jobId!);
  t.like(detail, { status: 'FAILED', retryStrategy: { attempts: 3 } });
  t.deepEqual(
    detail?.attempts?.map((a) => a.container?.exitCode),
    [4, 3],
  );
});

test.serial(
  'an array job with an N_TO_N dependency: child i waits for child i; ListJobs by arrayJobId',
  async (t) => {
    await batch.send(
      new RegisterJobDefinitionCommand(
        kernelDefinition('arr', {
          containerProperties: { ...kernelDefinition('arr').containerProperties, resourceRequirements: [] },
        }),
      ),
    );
    const first = await batch.send(
      new SubmitJobCommand({
        jobName: 'a',
        jobQueue: 'default',
        jobDefinition: 'arr',
        arrayProperties: { size: 2 },
      }),
    );
    const second = await batch.send(
      new SubmitJobCommand({
        jobName: 'b',
        jobQueue: 'default',
        jobDefinition: 'arr',
        arrayProperties: { size: 2 },
        dependsOn: [{ jobId: first.jobId!, type: 'N_TO_N' }],
      }),
    );
    const a0 = `${first.jobId}:0`;
    const a1 = `${first.jobId}:1`;
    (await harness.executor.started(a0)).settle(success());
    (await harness.executor.started(`${second.jobId}:0`)).settle(success());
    t.is((await describe(`${second.jobId}:1`))?.status, 'PENDING');
    await running(a1);

    const runningChildren = await batch.send(new ListJobsCommand({ arrayJobId: first.jobId! }));
    t.deepEqual(
      runningChildren.jobSummaryList?.map((s) => [s.jobId, s.arrayProperties?.index]),
      [[a1, 1]],
    );
    (await harness.executor.started(a1)).settle(success());
    (await harness.executor.started(`${second.jobId}:1`)).settle(success());
    await harness.waitForStatus(second.jobId!, 'SUCCEEDED');
    const parent = await describe(second.jobId!);
    t.like(parent, { status: 'SUCCEEDED', arrayProperties: { size: 2, statusSummary: { SUCCEEDED: 2 } } });
    t.deepEqual(parent?.dependsOn, [{ jobId: first.jobId, type: 'N_TO_N' }]);
  },
);

test.serial('ListJobs lists RUNNING jobs by default and pages with nextToken', async (t) => {
  await batch.send(
    new RegisterJobDefinitionCommand(
      kernelDefinition('cheap', {
        containerProperties: { ...kernelDefinition('x').containerProperties, resourceRequirements: [] },
      }),
    ),
  );
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { jobId } = await batch.send(
      new SubmitJobCommand({ jobName: `p${i}`, jobQueue: 'paged', jobDefinition: 'cheap' }),
    );
    ids.push(jobId!);
  }
  for (const id of ids) await running(id);
  (await harness.executor.started(ids[2]!)).settle(success());
  await harness.waitForStatus(ids[2]!, 'SUCCEEDED');

  const listed: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await batch.send(new ListJobsCommand({ jobQueue: 'paged', maxResults: 1, nextToken }));
    listed.push(...(page.jobSummaryList ?? []).map((s) => s.jobId!));
    t.true((page.jobSummaryList ?? []).every((s) => s.status === 'RUNNING'));
    nextToken = page.nextToken;
    pages++;
  } while (nextToken);
  t.deepEqual(listed.sort(), ids.slice(0, 2).sort());
  t.true(pages >= 2);
  const succeeded = await batch.send(new ListJobsCommand({ jobQueue: 'paged', jobStatus: 'SUCCEEDED' }));
  t.deepEqual(
    succeeded.jobSummaryList?.map((s) => s.jobId),
    [ids[2]],
  );
  for (const id of ids.slice(0, 2)) (await harness.executor.started(id)).settle(success());
});

test.serial("an access key sees and stops only its tenant's jobs: another's are unknown to it", async (t) => {
  const created = await fetch(`${server.url}/v1/admin/access-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(adminToken) },
    body: JSON.stringify({ tenant: 'team-b' }),
  });
  const teamB = batchClient((await created.json()) as typeof credentials);
  t.teardown(() => teamB.destroy());
  await batch.send(
    new RegisterJobDefinitionCommand(
      kernelDefinition('tenant-cheap', {
        containerProperties: { ...kernelDefinition('x').containerProperties, resourceRequirements: [] },
      }),
    ),
  );
  const { jobId } = await batch.send(
    new SubmitJobCommand({ jobName: 'mine', jobQueue: 'paged', jobDefinition: 'tenant-cheap' }),
  );
  await running(jobId!);
  t.is((await harness.store.get(jobId!))?.tenant, 'team-a', "the job is its key's tenant's");

  t.deepEqual((await teamB.send(new DescribeJobsCommand({ jobs: [jobId!] }))).jobs, []);
  const listedByB = await teamB.send(new ListJobsCommand({ jobQueue: 'paged' }));
  t.false((listedByB.jobSummaryList ?? []).some((s) => s.jobId === jobId));
  const listedByA = await batch.send(new ListJobsCommand({ jobQueue: 'paged' }));
  t.true((listedByA.jobSummaryList ?? []).some((s) => s.jobId === jobId));
  for (const command of [
    new CancelJobCommand({ jobId: jobId!, reason: 'not yours' }),
    new TerminateJobCommand({ jobId: jobId!, reason: 'not yours' }),
  ]) {
    const refused = await awsError(teamB.send(command as TerminateJobCommand));
    t.is(refused.name, 'ClientException');
    t.regex(refused.message, /no job with id/);
  }
  const after = await harness.store.get(jobId!);
  t.is(after?.status, 'RUNNING');
  t.falsy(after?.terminateRequested, "team-b's terminate changed nothing");
  (await harness.executor.started(jobId!)).settle(success());
  await harness.waitForStatus(jobId!, 'SUCCEEDED');
});

test.serial(
  'CancelJob fails a waiting job; TerminateJob stops a running one; cancel of a running job changes nothing',
  async (t) => {
    const longJob = await batch.send(
      new SubmitJobCommand({ jobName: 'long', jobQueue: 'default', jobDefinition: 'cheap' }),
    );
    const waiting = await batch.send(
      new SubmitJobCommand({
        jobName: 'after',
        jobQueue: 'default',
        jobDefinition: 'cheap',
        dependsOn: [{ jobId: longJob.jobId! }],
      }),
    );
    await batch.send(new CancelJobCommand({ jobId: waiting.jobId!, reason: 'not needed' }));
    t.like(await describe(waiting.jobId!), {
      status: 'FAILED',
      isCancelled: true,
    });
    t.regex((await describe(waiting.jobId!))?.statusReason ?? '', /not needed/);

    await running(longJob.jobId!);
    await batch.send(new CancelJobCommand({ jobId: longJob.jobId!, reason: 'too late' }));
    t.is((await describe(longJob.jobId!))?.status, 'RUNNING');

    await batch.send(new TerminateJobCommand({ jobId: longJob.jobId!, reason: 'stop it' }));
    await harness.waitForStatus(longJob.jobId!, 'FAILED');
    t.like(await describe(longJob.jobId!), { status: 'FAILED', isTerminated: true });

    t.like(await awsError(batch.send(new TerminateJobCommand({ jobId: 'nope', reason: 'x' }))), {
      name: 'ClientException',
    });
  },
);

test.serial(
  'queues are described; compute environments are described and their creation refused',
  async (t) => {
    const queues = await batch.send(new DescribeJobQueuesCommand({ jobQueues: ['paged'] }));
    t.like(queues.jobQueues?.[0], {
      jobQueueName: 'paged',
      state: 'ENABLED',
      computeEnvironmentOrder: [
        { order: 1, computeEnvironment: 'arn:aws:batch:eu-west-1:000000000000:compute-environment/local' },
      ],
    });
    t.is((await batch.send(new DescribeJobQueuesCommand({}))).jobQueues?.length, QUEUES.length);
    const envs = await batch.send(new DescribeComputeEnvironmentsCommand({}));
    t.deepEqual(
      envs.computeEnvironments?.map((c) => c.computeEnvironmentName),
      ['local'],
    );
    const error = await awsError(
      adminBatch.send(
        new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'x', type: 'UNMANAGED' }),
      ),
    );
    t.is(error.name, 'ClientException');
    t.regex(error.message, /configured in the service config/);
  },
);

test.serial('UpdateComputeEnvironment changes its state, as DescribeComputeEnvironments shows', async (t) => {
  await adminBatch.send(
    new UpdateComputeEnvironmentCommand({ computeEnvironment: 'local', state: 'DISABLED' }),
  );
  const described = await batch.send(
    new DescribeComputeEnvironmentsCommand({ computeEnvironments: ['local'] }),
  );
  t.is(described.computeEnvironments?.[0]?.state, 'DISABLED');
  await adminBatch.send(
    new UpdateComputeEnvironmentCommand({
      computeEnvironment: 'arn:aws:batch:eu-west-1:000000000000:compute-environment/local',
      state: 'ENABLED',
    }),
  );
  t.is(harness.environments.current('local')?.state, 'ENABLED');
  const unknown = await awsError(
    adminBatch.send(
      new UpdateComputeEnvironmentCommand({ computeEnvironment: 'gpu-farm', state: 'ENABLED' }),
    ),
  );
  t.regex(unknown.message, /computeEnvironment: no compute environment named gpu-farm/);
  const unmapped = await awsError(
    adminBatch.send(new UpdateComputeEnvironmentCommand({ computeEnvironment: 'local', unmanagedvCpus: 4 })),
  );
  t.regex(unmapped.message, /unmanagedvCpus/);
});

test.serial('CreateJobQueue makes a queue that takes jobs at once; UpdateJobQueue changes it', async (t) => {
  const created = await adminBatch.send(
    new CreateJobQueueCommand({
      jobQueueName: 'made-by-sdk',
      priority: 7,
      computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'local' }],
      jobStateTimeLimitActions: [
        { reason: 'stuck', state: 'RUNNABLE', maxTimeSeconds: 600, action: 'CANCEL' },
      ],
    }),
  );
  t.is(created.jobQueueArn, 'arn:aws:batch:eu-west-1:000000000000:job-queue/made-by-sdk');
  await batch.send(new RegisterJobDefinitionCommand(kernelDefinition('sdk-queue-def')));
  const submitted = await batch.send(
    new SubmitJobCommand({
      jobName: 'on-new-queue',
      jobQueue: 'made-by-sdk',
      jobDefinition: 'sdk-queue-def',
    }),
  );
  (await harness.executor.started(submitted.jobId!)).settle(success());
  await harness.waitForStatus(submitted.jobId!, 'SUCCEEDED');

  await adminBatch.send(
    new UpdateJobQueueCommand({
      jobQueue: created.jobQueueArn,
      state: 'DISABLED',
      priority: 9,
      jobStateTimeLimitActions: [],
    }),
  );
  const described = (await batch.send(new DescribeJobQueuesCommand({ jobQueues: ['made-by-sdk'] })))
    .jobQueues?.[0];
  t.like(described, { state: 'DISABLED', priority: 9, jobStateTimeLimitActions: [] });
  const refused = await awsError(
    batch.send(
      new SubmitJobCommand({ jobName: 'late', jobQueue: 'made-by-sdk', jobDefinition: 'sdk-queue-def' }),
    ),
  );
  t.is(refused.name, 'ClientException');
  t.regex(refused.message, /DISABLED/);
});

test.serial('CreateJobQueue and UpdateJobQueue name what is wrong', async (t) => {
  const cases = [
    [
      new CreateJobQueueCommand({
        jobQueueName: 'two-envs',
        priority: 1,
        computeEnvironmentOrder: [
          { order: 1, computeEnvironment: 'local' },
          { order: 2, computeEnvironment: 'other' },
        ],
      }),
      /computeEnvironmentOrder\[1\]\.computeEnvironment: no compute environment named other/,
    ],
    [
      new CreateJobQueueCommand({
        jobQueueName: 'same-order',
        priority: 1,
        computeEnvironmentOrder: [
          { order: 1, computeEnvironment: 'local' },
          { order: 1, computeEnvironment: 'local' },
        ],
      }),
      /computeEnvironmentOrder: each order value once/,
    ],
    [
      new CreateJobQueueCommand({
        jobQueueName: 'fair',
        priority: 1,
        computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'local' }],
        schedulingPolicyArn: 'arn:aws:batch:eu-west-1:123456789012:scheduling-policy/fair',
      }),
      /schedulingPolicyArn: gpubatch has no scheduling policy resources; .*PATCH \/v1\/queues\/fair with \{"fairSharePolicy"/,
    ],
    [
      new UpdateJobQueueCommand({
        jobQueue: 'default',
        schedulingPolicyArn: 'arn:aws:batch:eu-west-1:123456789012:scheduling-policy/fair',
      }),
      /schedulingPolicyArn: .*PATCH \/v1\/queues\/default/,
    ],
    [
      new CreateJobQueueCommand({
        jobQueueName: 'nowhere',
        priority: 1,
        computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'missing' }],
      }),
      /computeEnvironmentOrder\[0\]\.computeEnvironment: no compute environment named missing/,
    ],
    [
      new CreateJobQueueCommand({
        jobQueueName: 'default',
        priority: 1,
        computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'local' }],
      }),
      /jobQueueName: a job queue named default exists already/,
    ],
    [
      new UpdateJobQueueCommand({ jobQueue: 'no-such-queue', priority: 5 }),
      /jobQueue: no job queue named no-such-queue/,
    ],
    [new UpdateJobQueueCommand({ jobQueue: 'default', priority: 5000 }), /priority/],
  ] as const;
  for (const [command, message] of cases) {
    // biome-ignore lint/suspicious/noExplicitAny: each case is a different command type
    const error = await awsError(adminBatch.send(command as any));
    t.is(error.name, 'ClientException');
    t.regex(error.message, message);
  }
});

test.serial(
  "DescribeJobQueues names a queue's native fair-share policy as a schedulingPolicyArn",
  async (t) => {
    await harness.registry.create(
      QueueSchema.parse({ name: 'with-policy', fairSharePolicy: { shareWeights: { a: 2 } } }),
    );
    const [described] =
      (await batch.send(new DescribeJobQueuesCommand({ jobQueues: ['with-policy'] }))).jobQueues ?? [];
    t.like(described, {
      jobQueueName: 'with-policy',
      schedulingPolicyArn: 'arn:aws:batch:eu-west-1:000000000000:scheduling-policy/with-policy',
      computeEnvironmentOrder: [
        { order: 1, computeEnvironment: 'arn:aws:batch:eu-west-1:000000000000:compute-environment/local' },
      ],
    });
    const plain = (await batch.send(new DescribeJobQueuesCommand({ jobQueues: ['default'] }))).jobQueues?.[0];
    t.is(plain?.schedulingPolicyArn, undefined);
  },
);

test.serial('GetJobQueueSnapshot shows the RUNNABLE jobs at the front of a queue', async (t) => {
  await batch.send(
    new RegisterJobDefinitionCommand(
      kernelDefinition('wide', {
        containerProperties: {
          ...kernelDefinition('x').containerProperties,
          resourceRequirements: [{ type: 'GPU', value: '2' }],
        },
      }),
    ),
  );
  const holder = await batch.send(
    new SubmitJobCommand({ jobName: 'h', jobQueue: 'snap', jobDefinition: 'wide' }),
  );
  await harness.executor.started(holder.jobId!);
  const waiter = await batch.send(
    new SubmitJobCommand({ jobName: 'w', jobQueue: 'snap', jobDefinition: 'wide' }),
  );
  await harness.waitForStatus(waiter.jobId!, 'RUNNABLE');
  const snapshot = await batch.send(new GetJobQueueSnapshotCommand({ jobQueue: 'snap' }));
  t.deepEqual(
    snapshot.frontOfQueue?.jobs?.map((j) => j.jobArn),
    [`arn:aws:batch:eu-west-1:000000000000:job/${waiter.jobId}`],
  );
  t.is(typeof snapshot.frontOfQueue?.lastUpdatedAt, 'number');
  await batch.send(new TerminateJobCommand({ jobId: waiter.jobId!, reason: 'done' }));
  await batch.send(new TerminateJobCommand({ jobId: holder.jobId!, reason: 'done' }));
});

test.serial(
  'containerOverrides.command replaces what runs, taken literally; a bad override names its field',
  async (t) => {
    const { jobId } = await batch.send(
      new SubmitJobCommand({
        jobName: 'override',
        jobQueue: 'default',
        jobDefinition: 'cheap',
        containerOverrides: {
          command: ['gpubatch', 'kernel', 'minmax', '--input', '/x/Ref::day.npy', '--output', '/y.npy'],
        },
      }),
    );
    t.like((await harness.jobs.get(jobId!))?.spec, {
      kernel: 'minmax',
      input: '/x/Ref::day.npy',
      output: '/y.npy',
      params: {},
    });
    (await harness.executor.started(jobId!)).settle(success());
    await harness.waitForStatus(jobId!, 'SUCCEEDED');

    const bad = await awsError(
      batch.send(
        new SubmitJobCommand({
          jobName: 'bad',
          jobQueue: 'default',
          jobDefinition: 'cheap',
          containerOverrides: { command: ['sh', '-c', 'true'] },
        }),
      ),
    );
    t.like(bad, { name: 'ClientException', status: 400 });
    t.regex(bad.message, /^containerOverrides\.command: /);
  },
);

test.serial(
  'ListJobs needs a jobQueue or arrayJobId that exists; SubmitJob names unknown queues and fields',
  async (t) => {
    t.regex((await awsError(batch.send(new ListJobsCommand({})))).message, /give jobQueue or arrayJobId/);
    t.regex(
      (await awsError(batch.send(new ListJobsCommand({ jobQueue: 'nope' })))).message,
      /no job queue named nope/,
    );
    t.regex(
      (await awsError(batch.send(new ListJobsCommand({ arrayJobId: 'nope' })))).message,
      /no array job with id nope/,
    );
    const unknownQueue = await awsError(
      batch.send(new SubmitJobCommand({ jobName: 'q', jobQueue: 'nope', jobDefinition: 'cheap' })),
    );
    t.like(unknownQueue, { name: 'ClientException' });
    t.regex(unknownQueue.message, /queue/);
    const tagged = await awsError(
      batch.send(
        new SubmitJobCommand({ jobName: 't', jobQueue: 'default', jobDefinition: 'cheap', tags: { a: 'b' } }),
      ),
    );
    t.regex(tagged.message, /tags: unknown field/);
  },
);

test.serial(
  'a submitter key may not create or change queues and compute environments: AccessDeniedException',
  async (t) => {
    const attempts = [
      new CreateJobQueueCommand({
        jobQueueName: 'mine-only',
        priority: 1,
        computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'local' }],
      }),
      new UpdateJobQueueCommand({ jobQueue: 'default', state: 'DISABLED' }),
      new UpdateComputeEnvironmentCommand({ computeEnvironment: 'local', state: 'DISABLED' }),
      new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'sim', type: 'UNMANAGED' }),
    ];
    for (const command of attempts) {
      // biome-ignore lint/suspicious/noExplicitAny: each attempt is a different command type
      const error = await awsError(batch.send(command as any));
      t.is(error.name, 'AccessDeniedException');
      t.regex(error.message, /role admin/);
    }
    const queue = (await adminBatch.send(new DescribeJobQueuesCommand({ jobQueues: ['default'] })))
      .jobQueues?.[0];
    t.is(queue?.state, 'ENABLED');
    t.is(
      (await adminBatch.send(new DescribeJobQueuesCommand({ jobQueues: ['mine-only'] }))).jobQueues?.length,
      0,
    );
  },
);
