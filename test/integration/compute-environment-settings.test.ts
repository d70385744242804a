// A compute environment's run-time settings (issue 6): DISABLED places nothing new while running jobs
// finish; maxNodes limits the nodes placed on; both over REST from an API process of their own.
import test from 'ava';
import { type ApiProcess, apiProcess } from '../support/api-process.ts';
import { gpuNode } from '../support/builders.ts';
import { success } from '../support/fake-executor.ts';
import { type TestRedis, testRedis } from '../support/redis-server.ts';
import { type SchedulerHarness, schedulerHarness } from '../support/scheduler-harness.ts';

let redis: TestRedis;
let harness: SchedulerHarness | undefined;
let api: ApiProcess | undefined;

test.beforeEach(async () => {
  redis = await testRedis();
});

test.afterEach.always(async () => {
  await api?.stop();
  api = undefined;
  await harness?.stop();
  harness = undefined;
  await redis?.stop();
});

const twoNodes = () => [gpuNode({ name: 'node-a', gpus: 1 }), gpuNode({ name: 'node-b', gpus: 1 })];

async function start(): Promise<ApiProcess> {
  harness = await schedulerHarness(redis.url, twoNodes());
  api = await apiProcess(redis.url);
  return api;
}

async function leaderSees(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the leader did not pick up the change within 5 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test.serial('a DISABLED compute environment starts nothing new; its running job finishes', async (t) => {
  const rest = await start();
  const running = (await rest.submit({})).body;
  const first = await harness!.executor.started(running.id);

  const patched = await rest.request('PATCH', '/v1/compute-environments/local', { state: 'DISABLED' });
  t.is(patched.status, 200);
  t.like(patched.body, { name: 'local', state: 'DISABLED' });
  await leaderSees(() => harness!.environments.current('local')?.state === 'DISABLED');

  const waiting = await rest.submit({});
  t.is(waiting.status, 201, 'the queue still takes jobs; they wait');
  await sleep(300); // a free GPU on node-b, and still nothing starts
  t.false(harness!.executor.isRunning(waiting.body.id));
  first.settle(success());
  await harness!.waitForStatus(running.id, 'SUCCEEDED');

  await rest.request('PATCH', '/v1/compute-environments/local', { state: 'ENABLED' });
  (await harness!.executor.started(waiting.body.id)).settle(success());
  t.is((await harness!.waitForStatus(waiting.body.id, 'SUCCEEDED')).status, 'SUCCEEDED');
});

test.serial('maxNodes 1 of 2 places on one node only, until it is removed', async (t) => {
  const rest = await start();
  t.is((await rest.request('PATCH', '/v1/compute-environments/local', { maxNodes: 1 })).status, 200);
  await leaderSees(() => harness!.environments.current('local')?.maxNodes === 1);

  const first = (await rest.submit({})).body;
  const second = (await rest.submit({})).body;
  const placed = await harness!.executor.started(first.id);
  t.is(placed.placement.node, 'node-a', 'the first node by name');
  await sleep(300);
  t.false(harness!.executor.isRunning(second.id), 'node-b is beyond maxNodes');

  const cleared = await rest.request('PATCH', '/v1/compute-environments/local', { maxNodes: null });
  t.false('maxNodes' in cleared.body);
  const other = await harness!.executor.started(second.id);
  t.is(other.placement.node, 'node-b');
});

test.serial('compute environment requests name what is wrong', async (t) => {
  const rest = await start();
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
