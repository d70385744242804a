// Compute environments of type simulated (jobs only take time) and queues feeding several compute
// environments in order, through the whole service stack (config file, REST API, leader, executors).
import {
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
} from '@aws-sdk/client-batch';
import test from 'ava';
import { batchClient } from '../support/aws-batch-client.ts';
import { type RunningStack, serviceStack } from '../support/service-stack.ts';

/** A kernel job that "runs" `seconds` on a simulated node; its input need not exist. */
function simulatedJob(fields: Record<string, unknown> = {}, seconds = 0.3) {
  return {
    name: 'sim-job',
    kind: 'kernel',
    kernel: 'standardize',
    input: 'nowhere/in.npy',
    output: 'nowhere/out.npy',
    resources: { gpus: 1 },
    params: { simulatedSeconds: seconds },
    ...fields,
  };
}

async function submit(running: RunningStack, spec: Record<string, unknown>): Promise<string> {
  const reply = await running.request('POST', '/v1/jobs', spec);
  if (reply.status !== 201) throw new Error(`submit: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.id;
}

const ONE_POOL = {
  computeEnvironments: [
    { name: 'sim', type: 'simulated', nodes: [{ count: 2, gpus: 2, gpuModel: 'H100' }], defaultSeconds: 0.2 },
  ],
  queues: [{ name: 'demo', computeEnvironment: 'sim' }],
};

test('a job on a simulated compute environment runs its simulated seconds with no runner, then succeeds', async (t) => {
  const running = await serviceStack(t, ONE_POOL);
  const id = await submit(running, simulatedJob({ queue: 'demo' }, 0.5));
  const done = await running.waitFor(id, (job) => job.status === 'SUCCEEDED', 'SUCCEEDED');
  const attempt = done.attempts[0]!;
  t.is(attempt.computeEnvironment, 'sim');
  t.is(attempt.backend, 'simulated');
  t.regex(attempt.placement.node, /^sim-[01]$/);
  t.true(attempt.stoppedAt! - attempt.startedAt >= 450, `ran ${attempt.stoppedAt! - attempt.startedAt} ms`);

  const pools = (await running.request('GET', '/v1/compute-environments')).body.computeEnvironments;
  t.like(pools[0], { name: 'sim', type: 'simulated', queues: ['demo'] });
});

test('simulatedFailure fails the attempt like a runner error, and the retry strategy runs it again', async (t) => {
  const running = await serviceStack(t, ONE_POOL);
  const id = await submit(
    running,
    simulatedJob({
      queue: 'demo',
      params: { simulatedSeconds: 0.1, simulatedFailure: 'disk full (simulated)' },
      retry: { attempts: 2 },
    }),
  );
  const failed = await running.waitFor(id, (job) => job.status === 'FAILED', 'FAILED');
  t.is(failed.attempts.length, 2);
  t.is(failed.attempts[1]!.reason, 'attempt 2 failed: SIMULATED_FAILURE: disk full (simulated)');
});

test('a simulated attempt past timeoutSeconds fails with TIMEOUT; terminate stops one that runs', async (t) => {
  const running = await serviceStack(t, ONE_POOL);
  const slow = await submit(running, simulatedJob({ queue: 'demo', timeoutSeconds: 1 }, 30));
  const timedOut = await running.waitFor(slow, (job) => job.status === 'FAILED', 'FAILED');
  t.regex(timedOut.statusReason, /TIMEOUT/);

  const long = await submit(running, simulatedJob({ queue: 'demo' }, 30));
  await running.waitFor(long, (job) => job.status === 'RUNNING', 'RUNNING');
  t.is((await running.request('POST', `/v1/jobs/${long}/terminate`, { reason: 'enough' })).status, 200);
  const stopped = await running.waitFor(long, (job) => job.status === 'FAILED', 'FAILED');
  t.true(stopped.isTerminated);
});

test('a queue places in its first compute environment and spills to the next when the first is full', async (t) => {
  const running = await serviceStack(t, {
    computeEnvironments: [
      { name: 'small', type: 'simulated', nodes: [{ count: 1, gpus: 1 }] },
      { name: 'big', type: 'simulated', nodes: [{ count: 1, gpus: 4 }] },
    ],
    queues: [{ name: 'ordered', computeEnvironments: ['small', 'big'] }],
  });
  const queue = (await running.request('GET', '/v1/queues/ordered')).body;
  t.like(queue, { computeEnvironment: 'small', computeEnvironments: ['small', 'big'] });

  const first = await submit(running, simulatedJob({ queue: 'ordered' }, 5));
  const onSmall = await running.waitFor(first, (job) => job.status === 'RUNNING', 'RUNNING');
  t.is(onSmall.attempts[0]!.computeEnvironment, 'small');
  const spilled = [
    await submit(running, simulatedJob({ queue: 'ordered' }, 5)),
    await submit(running, simulatedJob({ queue: 'ordered' }, 5)),
  ];
  for (const id of spilled) {
    const job = await running.waitFor(id, (j) => j.status === 'RUNNING', 'RUNNING');
    t.is(job.attempts[0]!.computeEnvironment, 'big');
  }

  const wide = await submit(running, simulatedJob({ queue: 'ordered', resources: { gpus: 4 } }, 1));
  const waiting = await running.waitFor(wide, (job) => /small: /.test(job.statusReason), 'the reason');
  t.is(
    waiting.statusReason,
    'small: needs 4 GPUs, largest free on any node is 0; big: needs 4 GPUs, largest free on any node is 2',
  );

  const never = await running.request(
    'POST',
    '/v1/jobs',
    simulatedJob({ queue: 'ordered', resources: { gpus: 8 } }),
  );
  t.is(never.status, 422, 'no node of either environment could ever hold 8 GPUs');
  t.is(never.body.errors[0].field, 'resources');
});

test('a queue changed over REST to an order of environments uses it at once; names are checked', async (t) => {
  const running = await serviceStack(t, {
    computeEnvironments: [
      { name: 'a', type: 'simulated', nodes: [{ count: 1, gpus: 1 }] },
      { name: 'b', type: 'simulated', nodes: [{ count: 1, gpus: 1 }] },
    ],
    queues: [{ name: 'q', computeEnvironment: 'a' }],
  });
  const patched = await running.request('PATCH', '/v1/queues/q', { computeEnvironments: ['b', 'a'] });
  t.is(patched.status, 200);
  t.like(patched.body, { computeEnvironment: 'b', computeEnvironments: ['b', 'a'] });
  const id = await submit(running, simulatedJob({ queue: 'q' }, 5));
  t.is((await running.waitFor(id, (j) => j.status === 'RUNNING')).attempts[0]!.computeEnvironment, 'b');

  const unknown = await running.request('PATCH', '/v1/queues/q', { computeEnvironments: ['a', 'gpu-farm'] });
  t.is(unknown.status, 422);
  t.is(unknown.body.errors[0].field, 'computeEnvironments[1]');
  const twice = await running.request('PATCH', '/v1/queues/q', { computeEnvironments: ['a', 'a'] });
  t.is(twice.status, 400);
  t.is(twice.body.errors[0].field, 'computeEnvironments');
  const conflicting = await running.request('POST', '/v1/queues', {
    name: 'r',
    computeEnvironment: 'a',
    computeEnvironments: ['b'],
  });
  t.is(conflicting.status, 422);
  t.is(conflicting.body.errors[0].field, 'computeEnvironment');
});

test('a simulated compute environment created over REST takes a new queue and runs its jobs at once', async (t) => {
  const running = await serviceStack(t, ONE_POOL);
  const created = await running.request('POST', '/v1/compute-environments', {
    name: 'extra',
    type: 'simulated',
    nodes: [{ count: 1, gpus: 2, gpuModel: 'L4' }],
  });
  t.is(created.status, 201);
  t.like(created.body, { name: 'extra', type: 'simulated', state: 'ENABLED', queues: [] });

  t.is(
    (await running.request('POST', '/v1/queues', { name: 'later', computeEnvironments: ['extra', 'sim'] }))
      .status,
    201,
  );
  const id = await submit(
    running,
    simulatedJob({ queue: 'later', resources: { gpus: 2, gpuModel: ['L4'] } }, 0.2),
  );
  const done = await running.waitFor(id, (job) => job.status === 'SUCCEEDED', 'SUCCEEDED');
  t.is(done.attempts[0]!.computeEnvironment, 'extra');
  t.is(done.attempts[0]!.placement.node, 'extra-0');
  const listed = (await running.request('GET', '/v1/compute-environments')).body.computeEnvironments;
  t.deepEqual(
    listed.map((ce: { name: string; queues: string[] }) => [ce.name, ce.queues]),
    [
      ['sim', ['demo', 'later']],
      ['extra', ['later']],
    ],
  );
});

test('creating a compute environment names what is wrong; local and kubernetes ones are configuration', async (t) => {
  const running = await serviceStack(t, ONE_POOL);
  const cases: Array<[unknown, number, string, RegExp?]> = [
    [{ name: 'here', type: 'local' }, 422, 'type', /configured in GPUBATCH_CONFIG|add it to GPUBATCH_CONFIG/],
    [{ name: 'k8s', type: 'kubernetes', image: 'x' }, 422, 'type', /cluster credentials/],
    [{ name: 'sim', type: 'simulated', nodes: [{ count: 1 }] }, 409, ''],
    [{ name: 'empty', type: 'simulated', nodes: [] }, 400, 'nodes'],
    [{ name: 'bad', type: 'simulated', nodes: [{ count: 0 }] }, 400, 'nodes[0].count'],
    [{ name: 'odd', type: 'simulated', nodes: [{ count: 1 }], scorer: 'nonsense' }, 422, 'scorer'],
  ];
  for (const [body, status, field, message] of cases) {
    const reply = await running.request('POST', '/v1/compute-environments', body);
    t.is(reply.status, status, JSON.stringify(body));
    if (field) t.is(reply.body.errors?.[0]?.field, field, JSON.stringify(body));
    if (message) t.regex(reply.body.errors[0].message, message);
  }
});

test('AWS CreateComputeEnvironment makes a simulated one from its tags; other kinds are refused saying how', async (t) => {
  const running = await serviceStack(t, ONE_POOL);
  const key = (await running.request('POST', '/v1/admin/access-keys', { tenant: 'demo', role: 'admin' }))
    .body;
  const batch = batchClient(t, running.stack.url, key, 'eu-west-1');

  const created = await batch.send(
    new CreateComputeEnvironmentCommand({
      computeEnvironmentName: 'aws-sim',
      type: 'UNMANAGED',
      tags: { 'gpubatch:simulated-nodes': '[{"count":1,"gpus":4,"gpuModel":"A100"}]' },
    }),
  );
  t.is(created.computeEnvironmentArn, 'arn:aws:batch:eu-west-1:000000000000:compute-environment/aws-sim');
  await batch.send(
    new CreateJobQueueCommand({
      jobQueueName: 'aws-queue',
      priority: 1,
      computeEnvironmentOrder: [
        { order: 2, computeEnvironment: 'sim' },
        { order: 1, computeEnvironment: created.computeEnvironmentArn },
      ],
    }),
  );
  const queue = (await batch.send(new DescribeJobQueuesCommand({ jobQueues: ['aws-queue'] }))).jobQueues?.[0];
  t.deepEqual(
    queue?.computeEnvironmentOrder?.map((e) => [e.order, e.computeEnvironment?.split('/')[1]]),
    [
      [1, 'aws-sim'],
      [2, 'sim'],
    ],
  );
  const described = await batch.send(
    new DescribeComputeEnvironmentsCommand({ computeEnvironments: ['aws-sim'] }),
  );
  t.like(described.computeEnvironments?.[0], { computeEnvironmentName: 'aws-sim', state: 'ENABLED' });
  t.regex(described.computeEnvironments?.[0]?.statusReason ?? '', /simulated/);

  const id = await submit(running, simulatedJob({ queue: 'aws-queue', resources: { gpus: 4 } }, 0.1));
  const done = await running.waitFor(id, (job) => job.status === 'SUCCEEDED', 'SUCCEEDED');
  t.is(done.attempts[0]!.computeEnvironment, 'aws-sim');

  const refusals: Array<[CreateComputeEnvironmentCommand, RegExp]> = [
    [
      new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'ec2', type: 'MANAGED' }),
      /creates only simulated compute environments: type UNMANAGED with the tag gpubatch:simulated-nodes/,
    ],
    [
      new CreateComputeEnvironmentCommand({
        computeEnvironmentName: 'broken',
        type: 'UNMANAGED',
        tags: { 'gpubatch:simulated-nodes': '[{count:1}]' },
      }),
      /tags\.gpubatch:simulated-nodes: not JSON/,
    ],
    [
      new CreateComputeEnvironmentCommand({
        computeEnvironmentName: 'zero',
        type: 'UNMANAGED',
        tags: { 'gpubatch:simulated-nodes': '[{"count":0}]' },
      }),
      /tags\.gpubatch:simulated-nodes\[0\]\.count: Too small/,
    ],
    [
      new CreateComputeEnvironmentCommand({
        computeEnvironmentName: 'aws-sim',
        type: 'UNMANAGED',
        tags: { 'gpubatch:simulated-nodes': '[{"count":1}]' },
      }),
      /computeEnvironmentName: a compute environment named aws-sim exists already/,
    ],
  ];
  for (const [command, message] of refusals) {
    const error = await batch.send(command).then(
      () => undefined,
      (e: Error) => e,
    );
    t.is(error?.name, 'ClientException');
    t.regex(error?.message ?? '', message);
  }
});
