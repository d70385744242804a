// The simulated executor: declared nodes, attempts that only take time, interrupts; and the executors of
// several compute environments served as one.
import test from 'ava';
import type { AttemptProgress, AttemptRequest } from '../../runner/protocol.ts';
import { SimulatedEnvironmentSchema } from '../../scheduler/config.ts';
import type { Placement } from '../../scheduler/core/types.ts';
import {
  COMPUTE_ENVIRONMENT_LABEL,
  EnvironmentExecutors,
} from '../../scheduler/executors/environment-executors.ts';
import type { AttemptHooks, InterruptCause } from '../../scheduler/executors/executor.ts';
import { SimulatedExecutor } from '../../scheduler/executors/simulated/simulated-executor.ts';
import { kernelJobSpec } from '../support/job-specs.ts';

const environment = (name: string, fields: Record<string, unknown> = {}) =>
  SimulatedEnvironmentSchema.parse({
    name,
    type: 'simulated',
    nodes: [{ count: 2, gpus: 4, gpuModel: 'H100' }, { count: 1 }],
    ...fields,
  });

function request(jobId: string, params: Record<string, unknown>): AttemptRequest {
  return { jobId, attempt: 1, spec: kernelJobSpec({ params }), cwd: '/', gpuIndices: [0] };
}

const placement = (jobId: string, node: string): Placement => ({
  jobId,
  node,
  gpuIndices: [0],
  gpuMilliPerGpu: 1000,
  cpuMilli: 1000,
  memoryMiB: 1024,
});

function recordingHooks() {
  const seen: { started?: string; progress: AttemptProgress[] } = { progress: [] };
  const hooks: AttemptHooks = {
    onStarted: (backend) => {
      seen.started = backend;
    },
    onProgress: (progress) => seen.progress.push(progress),
  };
  return { seen, hooks };
}

test('the declared nodes: count of each shape, named after the environment, labelled simulated', (t) => {
  const nodes = new SimulatedExecutor(environment('sim')).nodes();
  t.deepEqual(
    nodes.map((n) => [n.name, n.gpus.length, n.gpus[0]?.model, n.cpuMilliTotal]),
    [
      ['sim-0', 4, 'H100', 8000],
      ['sim-1', 4, 'H100', 8000],
      ['sim-2', 0, undefined, 8000],
    ],
  );
  t.is(nodes[0]!.labels['gpubatch.io/simulated'], 'true');
});

test('an attempt starts at once and succeeds after params.simulatedSeconds', async (t) => {
  const executor = new SimulatedExecutor(environment('sim'));
  const { seen, hooks } = recordingHooks();
  const began = Date.now();
  const outcome = await executor.run(request('j', { simulatedSeconds: 0.2 }), placement('j', 'sim-0'), hooks);
  t.true(Date.now() - began >= 190);
  t.is(seen.started, 'simulated');
  t.deepEqual(seen.progress.at(-1), { done: 200, total: 200 });
  t.like(outcome, { kind: 'succeeded', result: { backend: 'simulated', rows: 0 } });
});

test('without simulatedSeconds the environment default applies; simulatedFailure fails it', async (t) => {
  const executor = new SimulatedExecutor(environment('sim', { defaultSeconds: 0.05 }));
  const outcome = await executor.run(
    request('j', { simulatedFailure: 'boom' }),
    placement('j', 'sim-0'),
    recordingHooks().hooks,
  );
  t.deepEqual(outcome, {
    kind: 'failed',
    failure: { code: 'SIMULATED_FAILURE', message: 'boom', retryable: true },
  });
});

test('interrupt and close end attempts at once with their cause', async (t) => {
  const executor = new SimulatedExecutor(environment('sim'));
  const cancelled = executor.run(
    request('a', { simulatedSeconds: 60 }),
    placement('a', 'sim-0'),
    recordingHooks().hooks,
  );
  const shutdown = executor.run(
    request('b', { simulatedSeconds: 60 }),
    placement('b', 'sim-1'),
    recordingHooks().hooks,
  );
  t.deepEqual(executor.runningIds(), ['a', 'b']);
  executor.interrupt('a', 'cancel', 'user said so');
  t.deepEqual(await cancelled, { kind: 'interrupted', by: 'cancel', reason: 'user said so' });
  await executor.close();
  t.like(await shutdown, { kind: 'interrupted', by: 'shutdown' });
  t.like(await executor.run(request('c', {}), placement('c', 'sim-0'), recordingHooks().hooks), {
    kind: 'interrupted',
  });
});

test('several environments as one executor: nodes labelled, attempts routed by node, environments added later', async (t) => {
  const a = new SimulatedExecutor(environment('a'));
  const b = new SimulatedExecutor(environment('b'));
  const all = new EnvironmentExecutors([
    { name: 'a', executor: a },
    { name: 'b', executor: b },
  ]);
  t.deepEqual(
    all.nodes().map((n) => `${n.labels[COMPUTE_ENVIRONMENT_LABEL]}:${n.name}`),
    ['a:a-0', 'a:a-1', 'a:a-2', 'b:b-0', 'b:b-1', 'b:b-2'],
  );
  t.is(all.environmentOf('b-1'), 'b');
  const running = all.run(
    request('j', { simulatedSeconds: 60 }),
    placement('j', 'b-1'),
    recordingHooks().hooks,
  );
  t.deepEqual([a.runningIds(), b.runningIds()], [[], ['j']]);
  all.interrupt('j', 'cancel', 'stop');
  t.like(await running, { kind: 'interrupted', by: 'cancel' });
  t.like(await all.run(request('k', {}), placement('k', 'elsewhere'), recordingHooks().hooks), {
    kind: 'lost',
    reason: 'node elsewhere belongs to no compute environment served here',
  });

  let changes = 0;
  all.onCapacityChange(() => changes++);
  all.add({ name: 'c', executor: new SimulatedExecutor(environment('c')) });
  t.is(changes, 1, 'a compute environment added at run time is new capacity');
  t.is(all.nodesOf('c').length, 3);
  t.throws(() => all.add({ name: 'c', executor: b }), { message: /served already/ });
});

test('interrupts and forget go to the executor that ran the job', async (t) => {
  const calls: string[] = [];
  const spy = (name: string, inner: SimulatedExecutor) =>
    Object.assign(Object.create(inner) as SimulatedExecutor, {
      interrupt: (jobId: string, by: InterruptCause, reason: string) => {
        calls.push(`${name}.interrupt ${jobId}`);
        inner.interrupt(jobId, by, reason);
      },
      forget: (jobId: string) => calls.push(`${name}.forget ${jobId}`),
    });
  const all = new EnvironmentExecutors([
    { name: 'a', executor: spy('a', new SimulatedExecutor(environment('a'))) },
    { name: 'b', executor: spy('b', new SimulatedExecutor(environment('b'))) },
  ]);
  all.interrupt('waiting', 'cancel', 'not running anywhere');
  t.deepEqual(calls.splice(0), ['a.interrupt waiting', 'b.interrupt waiting']);
  const running = all.run(
    request('j', { simulatedSeconds: 60 }),
    placement('j', 'b-0'),
    recordingHooks().hooks,
  );
  all.interrupt('j', 'cancel', 'stop');
  await running;
  all.forget('j', 1);
  t.deepEqual(calls, ['b.interrupt j', 'b.forget j']);
});
