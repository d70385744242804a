// A compute environment's run-time settings (issue 6): DISABLED places nothing new while running jobs
// finish; maxNodes limits the nodes placed on; both over REST from an API process of their own.
import test, { type ExecutionContext } from 'ava';
import { type ApiProcess, apiProcess } from '../support/api-process.ts';
import { gpuNode } from '../support/builders.ts';
import { success } from '../support/fake-executor.ts';
import { leaderSees, schedulerStackPerTest } from '../support/scheduler-stack.ts';

const stack = schedulerStackPerTest(test);

const twoNodes = () => [gpuNode({ name: 'node-a', gpus: 1 }), gpuNode({ name: 'node-b', gpus: 1 })];

/** The scheduler over two one-GPU nodes, and an API process of its own on the same Redis. */
async function start(t: ExecutionContext): Promise<ApiProcess> {
  await stack.start(twoNodes());
  const api = await apiProcess(stack.redis.url);
  t.teardown(() => api.stop());
  return api;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test.serial('a DISABLED compute environment starts nothing new; its running job finishes', async (t) => {
  const rest = await start(t);
  const running = (await rest.submit({})).body;
  const first = await stack.harness.executor.started(running.id);

  const patched = await rest.request('PATCH', '/v1/compute-environments/local', { state: 'DISABLED' });
  t.is(patched.status, 200);
  t.like(patched.body, { name: 'local', state: 'DISABLED' });
  await leaderSees(() => stack.harness.environments.current('local')?.state === 'DISABLED');

  const waiting = await rest.submit({});
  t.is(waiting.status, 201, 'the queue still takes jobs; they wait');
  await sleep(300); // a free GPU on node-b, and still nothing starts
  t.false(stack.harness.executor.isRunning(waiting.body.id));
  first.settle(success());
  await stack.harness.waitForStatus(running.id, 'SUCCEEDED');

  await rest.request('PATCH', '/v1/compute-environments/local', { state: 'ENABLED' });
  (await stack.harness.executor.started(waiting.body.id)).settle(success());
  t.is((await stack.harness.waitForStatus(waiting.body.id, 'SUCCEEDED')).status, 'SUCCEEDED');
});

test.serial('maxNodes 1 of 2 places on one node only, until it is removed', async (t) => {
  const rest = await start(t);
  t.is((await rest.request('PATCH', '/v1/compute-environments/local', { maxNodes: 1 })).status, 200);
  await leaderSees(() => stack.harness.environments.current('local')?.maxNodes === 1);

  const first = (await rest.submit({})).body;
  const second = (await rest.submit({})).body;
  const placed = await stack.harness.executor.started(first.id);
  t.is(placed.placement.node, 'node-a', 'the first node by name');
  await sleep(300);
  t.false(stack.harness.executor.isRunning(second.id), 'node-b is beyond maxNodes');

  const cleared = await rest.request('PATCH', '/v1/compute-environments/local', { maxNodes: null });
  t.false('maxNodes' in cleared.body);
  const other = await stack.harness.executor.started(second.id);
  t.is(other.placement.node, 'node-b');
});

test.serial('compute environment requests name what is wrong', async (t) => {
  const rest = await start(t);
  const cases: Array<[unknown, string]> = [
    [{}, 'body'],
    [{ state: 'PAUSED' }, 'state'],
    [{ maxNodes: -1 }, 'maxNodes'],
    [{ type: 'kubernetes' }, 'type'],
  ];
  for (const [body, field] of cases) {
    const response = await rest.request('PATCH', '/v1/compute-environments/local', body);
    t.is(response.status, 400, JSON.stringify(body));
    t.is(response.body.errors?.[0]?.field, field, JSON.stringify(body));
  }
  t.is((await rest.request('PATCH', '/v1/compute-environments/nope', { state: 'DISABLED' })).status, 404);
  t.is((await rest.request('GET', '/v1/compute-environments/nope')).status, 404);
  t.like((await rest.request('GET', '/v1/compute-environments/local')).body, {
    name: 'local',
    state: 'ENABLED',
    queues: ['default'],
  });
});

test.serial(
  'minNodes 5 over 2 nodes makes the autoscaling signal ask for 3 with nothing waiting',
  async (t) => {
    const rest = await start(t);
    t.is(stack.harness.scheduler.publishScaleSignal().nodesWanted, 0);
    const patched = await rest.request('PATCH', '/v1/compute-environments/local', { minNodes: 5 });
    t.like(patched.body, { name: 'local', minNodes: 5 });
    await leaderSees(() => stack.harness.environments.current('local')?.minNodes === 5);
    t.is(stack.harness.scheduler.publishScaleSignal().nodesWanted, 3);

    await rest.request('PATCH', '/v1/compute-environments/local', { maxNodes: 4 });
    await leaderSees(() => stack.harness.environments.current('local')?.maxNodes === 4);
    t.is(stack.harness.scheduler.publishScaleSignal().nodesWanted, 2, 'maxNodes wins');

    const invalid = await rest.request('PATCH', '/v1/compute-environments/local', { minNodes: -1 });
    t.is(invalid.status, 400);
    t.is(invalid.body.errors?.[0]?.field, 'minNodes');
  },
);
