// Job queues managed at run time (issue 6): state, maxConcurrentJobs, priority and new queues, driven over
// REST through an API stack of its own (as `up --role api` would be) against a scheduler leader on the same
// Redis with a fake executor.
import test, { type ExecutionContext } from 'ava';
import { QueueSchema } from '../../scheduler/config.ts';
import { JobQueues } from '../../scheduler/store/job-queues.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { QueueRegistry } from '../../scheduler/store/queue-registry.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { type ApiProcess, apiProcess } from '../support/api-process.ts';
import { gpuNodes } from '../support/builders.ts';
import { success } from '../support/fake-executor.ts';
import type { StartOptions } from '../support/scheduler-harness.ts';
import { leaderSees, schedulerStackPerTest } from '../support/scheduler-stack.ts';

const stack = schedulerStackPerTest(test);

/** The scheduler over one node with `gpus` GPUs, and an API process of its own on the same Redis. */
async function start(t: ExecutionContext, gpus: number, queues: StartOptions['queues']): Promise<ApiProcess> {
  await stack.start(gpuNodes(1, { gpus }), { queues });
  const api = await apiProcess(stack.redis.url);
  t.teardown(() => api.stop());
  return api;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test.serial('a DISABLED queue refuses new jobs and still runs the jobs it has', async (t) => {
  const rest = await start(t, 1, ['batch']);
  const running = (await rest.submit({ queue: 'batch' })).body;
  const queued = (await rest.submit({ queue: 'batch' })).body;
  const first = await stack.harness.executor.started(running.id);
  first.hooks.onStarted();

  const patched = await rest.request('PATCH', '/v1/queues/batch', { state: 'DISABLED' });
  t.is(patched.status, 200);
  t.is(patched.body.state, 'DISABLED');
  const refused = await rest.submit({ queue: 'batch' });
  t.is(refused.status, 422);
  t.is(refused.body.errors[0].field, 'queue');
  t.regex(refused.body.errors[0].message, /DISABLED: it accepts no new jobs/);

  first.settle(success());
  t.is((await stack.harness.waitForStatus(running.id, 'SUCCEEDED')).status, 'SUCCEEDED');
  (await stack.harness.executor.started(queued.id)).settle(success());
  t.is((await stack.harness.waitForStatus(queued.id, 'SUCCEEDED')).status, 'SUCCEEDED');

  await rest.request('PATCH', '/v1/queues/batch', { state: 'ENABLED' });
  t.is((await rest.submit({ queue: 'batch' })).status, 201);
});

test.serial(
  'a queue with maxConcurrentJobs 2 never runs 3 of its jobs at once, until the cap is raised',
  async (t) => {
    const rest = await start(t, 8, [{ name: 'capped', maxConcurrentJobs: 2 }]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await rest.submit({ queue: 'capped', name: `job-${i}` })).body.id);
    await stack.harness.executor.started(ids[0]!);
    await stack.harness.executor.started(ids[1]!);
    await sleep(300); // several cycles: 6 GPUs stay free, and still no third job starts
    t.is(stack.harness.executor.runningIds().length, 2);
    const third = await stack.harness.waitFor(
      ids[2]!,
      (r) => /maxConcurrentJobs/.test(r.statusReason ?? ''),
      'the cap reason',
    );
    t.is(third.statusReason, 'queue capped is at its maxConcurrentJobs (2 jobs starting or running)');

    (await stack.harness.executor.started(ids[0]!)).settle(success());
    await stack.harness.executor.started(ids[2]!);
    await sleep(200);
    t.is(stack.harness.executor.runningIds().length, 2);
    t.is(stack.harness.executor.maxRunning, 2);

    t.is((await rest.request('PATCH', '/v1/queues/capped', { maxConcurrentJobs: 3 })).status, 200);
    await stack.harness.executor.started(ids[3]!);
    await sleep(200);
    t.is(stack.harness.executor.runningIds().length, 3);
    t.false(stack.harness.executor.isRunning(ids[4]!));
  },
);

test.serial('a queue created over REST takes and runs a job without a restart', async (t) => {
  const rest = await start(t, 2, ['default']);
  const created = await rest.request('POST', '/v1/queues', { name: 'made-later', priority: 5 });
  t.is(created.status, 201);
  t.like(created.body, { name: 'made-later', priority: 5, state: 'ENABLED', computeEnvironment: 'local' });

  const submitted = await rest.submit({ queue: 'made-later' });
  t.is(submitted.status, 201);
  (await stack.harness.executor.started(submitted.body.id)).settle(success());
  t.is((await stack.harness.waitForStatus(submitted.body.id, 'SUCCEEDED')).status, 'SUCCEEDED');

  const listed = await rest.request('GET', '/v1/queues');
  t.deepEqual(listed.body.queues, ['default', 'made-later']);
  t.like(listed.body.jobQueues[1], { name: 'made-later', priority: 5 });
  t.like((await rest.request('GET', '/v1/queues/made-later')).body, { name: 'made-later', priority: 5 });
});

const seenByLeader = (r: { status: string; statusReason: string }) =>
  r.status === 'RUNNABLE' && !r.statusReason.startsWith('waiting in queue');

test.serial('raising a queue priority over REST makes its waiting job start first', async (t) => {
  const rest = await start(t, 1, ['first', 'second']);
  const blocker = (await rest.submit({ queue: 'first', name: 'blocker' })).body;
  const blocking = await stack.harness.executor.started(blocker.id);
  const older = (await rest.submit({ queue: 'first', name: 'older' })).body;
  const newer = (await rest.submit({ queue: 'second', name: 'newer' })).body;
  // Both in the leader's window (a placement cycle gave them its reason), not just queued in Redis.
  for (const waiting of [older, newer])
    await stack.harness.waitFor(waiting.id, seenByLeader, 'a reason from the placement loop');

  t.is((await rest.request('PATCH', '/v1/queues/second', { priority: 10 })).status, 200);
  await leaderSees(() => stack.harness.registry.settings('second').priority === 10, 'the queue change');
  blocking.settle(success());

  const next = await stack.harness.executor.started(newer.id);
  t.false(stack.harness.executor.isRunning(older.id), 'the job of the queue now first waits');
  next.settle(success());
  (await stack.harness.executor.started(older.id)).settle(success());
  t.pass();
});

test.serial(
  "a queue's fair-share policy set over REST holds its compute reservation back, until it is removed",
  async (t) => {
    const rest = await start(t, 4, ['default']);
    const created = await rest.request('POST', '/v1/queues', {
      name: 'shared',
      fairSharePolicy: { shareWeights: { a: 2 }, computeReservation: 50 },
    });
    t.is(created.status, 201);
    t.deepEqual(created.body.fairSharePolicy, {
      shareWeights: { a: 2 },
      shareDecaySeconds: 3600,
      computeReservation: 50,
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await rest.submit({ queue: 'shared', shareIdentifier: 'a', name: `a-${i}` })).body.id);
    await stack.harness.executor.started(ids[0]!);
    await stack.harness.executor.started(ids[1]!);
    const third = await stack.harness.waitFor(
      ids[2]!,
      (r) => r.statusReason.startsWith('ComputeReservation'),
      'the reservation reason',
    );
    t.is(
      third.statusReason,
      "ComputeReservation: queue shared keeps 50% of the capacity for shares not yet active (1 active share with this job's)",
    );
    t.is(stack.harness.executor.runningIds().length, 2, 'two of four GPUs stay free for other shares');

    const cleared = await rest.request('PATCH', '/v1/queues/shared', { fairSharePolicy: null });
    t.is(cleared.status, 200);
    t.false('fairSharePolicy' in cleared.body);
    await stack.harness.executor.started(ids[2]!);
    t.pass();
  },
);

test.serial('queue requests with bad fields are refused naming the field', async (t) => {
  const rest = await start(t, 1, ['default']);
  const cases: Array<[string, string, unknown, number, string]> = [
    ['POST', '/v1/queues', { priority: 1 }, 400, 'name'],
    ['POST', '/v1/queues', { name: 'bad name!' }, 400, 'name'],
    ['POST', '/v1/queues', { name: 'q', priority: 5000 }, 400, 'priority'],
    ['POST', '/v1/queues', { name: 'q', state: 'PAUSED' }, 400, 'state'],
    ['POST', '/v1/queues', { name: 'q', maxConcurrentJobs: 0 }, 400, 'maxConcurrentJobs'],
    ['POST', '/v1/queues', { name: 'q', colour: 'red' }, 400, 'colour'],
    ['POST', '/v1/queues', { name: 'q', computeEnvironment: 'gpu-farm' }, 422, 'computeEnvironment'],
    [
      'POST',
      '/v1/queues',
      { name: 'q', fairSharePolicy: { computeReservation: 100 } },
      400,
      'fairSharePolicy.computeReservation',
    ],
    [
      'POST',
      '/v1/queues',
      { name: 'q', fairSharePolicy: { shareWeights: { a: 0 } } },
      400,
      'fairSharePolicy.shareWeights.a',
    ],
    [
      'PATCH',
      '/v1/queues/default',
      { fairSharePolicy: { shareDecaySeconds: -1 } },
      400,
      'fairSharePolicy.shareDecaySeconds',
    ],
    ['PATCH', '/v1/queues/default', {}, 400, 'body'],
    ['PATCH', '/v1/queues/default', { name: 'renamed' }, 400, 'name'],
    ['PATCH', '/v1/queues/default', { maxRunnableSeconds: -1 }, 400, 'maxRunnableSeconds'],
    ['PATCH', '/v1/queues/default', { computeEnvironment: 'gpu-farm' }, 422, 'computeEnvironment'],
  ];
  for (const [method, path, body, status, field] of cases) {
    const response = await rest.request(method, path, body);
    t.is(response.status, status, `${method} ${JSON.stringify(body)}`);
    t.is(response.body.errors?.[0]?.field, field, `${method} ${JSON.stringify(body)}`);
  }
  t.is((await rest.request('POST', '/v1/queues', { name: 'default' })).status, 409);
  t.is((await rest.request('PATCH', '/v1/queues/nope', { priority: 1 })).status, 404);
  t.is((await rest.request('GET', '/v1/queues/nope')).status, 404);
  // null removes a limit
  await rest.request('PATCH', '/v1/queues/default', { maxConcurrentJobs: 4 });
  const cleared = await rest.request('PATCH', '/v1/queues/default', { maxConcurrentJobs: null });
  t.false('maxConcurrentJobs' in cleared.body);
});

test.serial(
  'config queues are created when absent; at the next start a queue changed over the API keeps its change',
  async (t) => {
    const client = connect(stack.redis.url);
    const bull = [new JobQueues(client, []), new JobQueues(client, [])];
    t.teardown(async () => {
      await Promise.all(bull.map((q) => q.close()));
      client.disconnect();
    });
    const keys = new JobStore(client).keys;
    const config = [QueueSchema.parse({ name: 'default' })];
    const first = new QueueRegistry(client, keys, bull[0]!, ['local']);
    t.deepEqual(await first.seed(config), []);
    await first.update('default', { priority: 5 });

    const restarted = new QueueRegistry(client, keys, bull[1]!, ['local']);
    const differing = await restarted.seed([...config, QueueSchema.parse({ name: 'added-to-config' })]);
    t.deepEqual(differing, ['default'], 'reported, so the service can log it');
    t.is((await restarted.get('default'))?.priority, 5);
    t.deepEqual(restarted.names(), ['added-to-config', 'default']);
  },
);
