// The Kubernetes executor against the fake API server and kubelet, through the real client-node: pods
// bound to the chosen node, outcomes mapped from pod status, node loss, interrupts, re-attaching after a
// restart, orphans, and API faults.
import type { V1Pod } from '@kubernetes/client-node';
import { KubeConfig } from '@kubernetes/client-node';
import test, { type ExecutionContext } from 'ava';
import type { AttemptRequest } from '../../runner/protocol.ts';
import type { Placement } from '../../scheduler/core/types.ts';
import type { AttemptHooks, AttemptOutcome } from '../../scheduler/executors/executor.ts';
import {
  KubernetesExecutor,
  type KubernetesExecutorOptions,
} from '../../scheduler/executors/kubernetes/kubernetes-executor.ts';
import { clientsFor, eventually } from '../support/fake-kube/clients.ts';
import { type FakeKube, gpuNode, startFakeKube } from '../support/fake-kube/index.ts';
import { kernelJobSpec } from '../support/job-specs.ts';
import { type FakeRun, fakeRunnerScript } from '../support/kube-runner-script.ts';

const namespace = 'default';

async function fakeKube(t: ExecutionContext): Promise<FakeKube> {
  const kube = await startFakeKube({
    kubelet: { msPerSecond: 10, defaultDurationMs: 30, startDelayMs: 5, script: fakeRunnerScript },
  });
  t.teardown(() => kube.stop());
  return kube;
}

function executorFor(t: ExecutionContext, kube: FakeKube, options: Partial<KubernetesExecutorOptions> = {}) {
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromString(kube.kubeconfig);
  const executor = new KubernetesExecutor({
    kubeconfig,
    namespace,
    image: 'gpubatch:test',
    imagePullPolicy: 'IfNotPresent',
    gpuSharing: false,
    tolerations: [],
    nodeSelector: { pool: 'gpu' },
    terminationGraceSeconds: 30,
    nodeLostMs: 300,
    maxConcurrentRequests: 16,
    resyncMs: 50,
    ...options,
  });
  t.teardown(() => executor.close());
  return executor;
}

const poolNode = (name: string, gpus = 8) => gpuNode(name, { gpus, labels: { pool: 'gpu' } });

let jobs = 0;
function attempt(fake: FakeRun = {}, attemptNumber = 1): AttemptRequest {
  jobs++;
  return {
    jobId: `00000000-0000-4000-8000-${String(jobs).padStart(12, '0')}`,
    attempt: attemptNumber,
    spec: kernelJobSpec({ params: { fake }, timeoutSeconds: 60 }),
    cwd: '/data',
    gpuIndices: [0],
  };
}

function on(node: string, gpuIndices = [0]): Placement {
  return { jobId: 'x', node, gpuIndices, gpuMilliPerGpu: 1000, cpuMilli: 1000, memoryMiB: 1024 };
}

function recorder(): AttemptHooks & { started: number } {
  const hooks = { started: 0, onStarted: () => hooks.started++, onProgress: () => undefined };
  return hooks;
}

function failureOf(outcome: AttemptOutcome) {
  if (outcome.kind !== 'failed') throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome.failure;
}

test('nodes come from the pool label selector with their allocatable capacity; NotReady nodes take no work', async (t) => {
  const kube = await fakeKube(t);
  kube.add('nodes', poolNode('gpu-1', 4));
  kube.add('nodes', poolNode('gpu-2', 8));
  kube.add('nodes', gpuNode('other', { gpus: 8, labels: { pool: 'cpu' } }));
  const executor = executorFor(t, kube);
  t.deepEqual(executor.nodes(), [], 'nothing before the informers have listed');
  t.is(executor.capacityNodes(), undefined, 'unknown, so submits are not refused meanwhile');
  await executor.start();
  t.is(executor.capacityNodes()?.length, 2);
  t.deepEqual(
    executor.nodes().map((n) => [n.name, n.gpus.length]),
    [
      ['gpu-1', 4],
      ['gpu-2', 8],
    ],
  );
  kube.setNodeReady('gpu-2', false);
  await eventually(() => executor.nodes().find((n) => n.name === 'gpu-2')?.unschedulable === true);
  kube.add('nodes', poolNode('gpu-3', 2));
  await eventually(() => executor.nodes().length === 3);
});

test('an attempt is one pod bound to the chosen node; it starts, succeeds with the runner report, and is forgotten', async (t) => {
  const kube = await fakeKube(t);
  kube.add('nodes', poolNode('gpu-1'));
  const executor = executorFor(t, kube);
  await executor.start();
  const request = attempt();
  const hooks = recorder();
  const outcome = await executor.run(request, on('gpu-1', [3]), hooks);
  t.like(outcome, {
    kind: 'succeeded',
    result: { backend: 'fake-kubelet', output: '/data/out/standardized.npy' },
  });
  t.is(hooks.started, 1);
  const pod = kube.get('pods', namespace, `gpubatch-${request.jobId}-1`) as V1Pod;
  t.is(pod.spec?.nodeName, 'gpu-1');
  t.is(pod.metadata?.labels?.['gpubatch.io/job'], request.jobId);
  t.is(pod.status?.phase, 'Succeeded', 'kept until the outcome is recorded');
  executor.forget(request.jobId, 1);
  await kube.until(() => kube.get('pods', namespace, `gpubatch-${request.jobId}-1`) === undefined);
  t.pass();
});

test('exit codes, runner failures, OOMKilled and the deadline map to typed failures', async (t) => {
  const kube = await fakeKube(t);
  kube.add('nodes', poolNode('gpu-1'));
  const executor = executorFor(t, kube);
  await executor.start();
  const [crash, typed, oom, deadline, silent] = await Promise.all([
    executor.run(attempt({ exitCode: 3, silent: true }), on('gpu-1', [0]), recorder()),
    executor.run(attempt({ fail: { code: 'BAD_PARAMS', retryable: false } }), on('gpu-1', [1]), recorder()),
    executor.run(attempt({ exitCode: 137, reason: 'OOMKilled', silent: true }), on('gpu-1', [2]), recorder()),
    executor.run(
      {
        ...attempt({ durationMs: Number.POSITIVE_INFINITY }),
        spec: kernelJobSpec({
          params: { fake: { durationMs: Number.POSITIVE_INFINITY } },
          timeoutSeconds: 2,
        }),
      },
      on('gpu-1', [3]),
      recorder(),
    ),
    executor.run(attempt({ silent: true }), on('gpu-1', [4]), recorder()),
  ]);
  t.like(failureOf(crash), { code: 'RUNNER_CRASHED', retryable: true });
  t.like(crash, { exitCode: 3 });
  t.like(failureOf(typed), { code: 'BAD_PARAMS', retryable: false });
  t.like(failureOf(oom), { code: 'OOM_KILLED', retryable: false });
  t.like(failureOf(deadline), { code: 'TIMEOUT', retryable: false });
  t.like(failureOf(silent), { code: 'RUNNER_CRASHED', retryable: true });
});

test('an evicted pod is a retryable EVICTED failure', async (t) => {
  const kube = await fakeKube(t);
  kube.add('nodes', poolNode('gpu-1'));
  const executor = executorFor(t, kube);
  await executor.start();
  const request = attempt({ durationMs: Number.POSITIVE_INFINITY });
  const hooks = recorder();
  const running = executor.run(request, on('gpu-1'), hooks);
  await eventually(() => hooks.started === 1);
  // What the kubelet writes when it evicts a pod under node pressure (the fake does not evict by itself).
  const { core } = clientsFor(kube.kubeconfig);
  const name = `gpubatch-${request.jobId}-1`;
  const pod = await core.readNamespacedPodStatus({ name, namespace });
  pod.status = {
    ...pod.status,
    phase: 'Failed',
    reason: 'Evicted',
    message: 'The node was low on resource: memory.',
  };
  await core.replaceNamespacedPodStatus({ name, namespace, body: pod });
  t.like(failureOf(await running), { code: 'EVICTED', retryable: true });
});

test('a node NotReady for nodeLostMs loses its attempts (NODE_LOST: run again, no retry used) and their pods are removed', async (t) => {
  const kube = await fakeKube(t);
  kube.add('nodes', poolNode('gpu-1'));
  const executor = executorFor(t, kube, { nodeLostMs: 300 });
  await executor.start();
  const request = attempt({ durationMs: Number.POSITIVE_INFINITY });
  const hooks = recorder();
  const running = executor.run(request, on('gpu-1'), hooks);
  await eventually(() => hooks.started === 1);
  const since = Date.now();
  kube.setNodeReady('gpu-1', false);
  const outcome = await running;
  t.like(outcome, { kind: 'lost', code: 'NODE_LOST' });
  t.regex(outcome.kind === 'lost' ? outcome.reason : '', /gpu-1 NotReady/);
  t.true(Date.now() - since >= 250, 'not before nodeLostMs');
  await kube.until(() => kube.get('pods', namespace, `gpubatch-${request.jobId}-1`) === undefined);
});

test('a node deleted mid-run loses its attempts at once', async (t) => {
  const kube = await fakeKube(t);
  kube.add('nodes', poolNode('gpu-1'));
  const executor = executorFor(t, kube, { nodeLostMs: 60_000 });
  await executor.start();
  const hooks = recorder();
  const running = executor.run(attempt({ durationMs: Number.POSITIVE_INFINITY }), on('gpu-1'), hooks);
  await eventually(() => hooks.started === 1);
  kube.deleteNode('gpu-1');
  t.like(await running, { kind: 'lost', code: 'NODE_LOST' });
  await eventually(() => executor.nodes().length === 0);
});

test('interrupt deletes the pod with its grace period; the attempt ends interrupted', async (t) => {
  const kube = await fakeKube(t);
  kube.add('nodes', poolNode('gpu-1'));
  const executor = executorFor(t, kube, { terminationGraceSeconds: 5 });
  await executor.start();
  const request = attempt({ durationMs: Number.POSITIVE_INFINITY, sigtermExitMs: 20 });
  const hooks = recorder();
  const running = executor.run(request, on('gpu-1'), hooks);
  await eventually(() => hooks.started === 1);
  executor.interrupt(request.jobId, 'cancel', 'user asked');
  t.deepEqual(await running, { kind: 'interrupted', by: 'cancel', reason: 'user asked' });
  const deletes = kube.stats.recent({ verb: 'delete', resource: 'pods' });
  t.true(deletes.length >= 1);
});

test('a GPU share on a pool without gpuSharing fails without creating a pod', async (t) => {
  const kube = await fakeKube(t);
  kube.add('nodes', poolNode('gpu-1'));
  const executor = executorFor(t, kube);
  await executor.start();
  const outcome = await executor.run(attempt(), { ...on('gpu-1'), gpuMilliPerGpu: 250 }, recorder());
  t.like(failureOf(outcome), { code: 'UNSUPPORTED_PLACEMENT', retryable: false });
  t.is(kube.stats.count('create', 'pods'), 0);
});

test('close() detaches: the pod runs on, a new executor re-attaches and collects its outcome', async (t) => {
  const kube = await fakeKube(t);
  kube.add('nodes', poolNode('gpu-1', 2));
  const first = executorFor(t, kube);
  await first.start();
  const request = attempt({ durationMs: 300 });
  const hooks = recorder();
  const running = first.run(request, on('gpu-1', [1]), hooks);
  await eventually(() => hooks.started === 1);
  await first.close();
  t.like(await running, { kind: 'detached' });

  const second = executorFor(t, kube);
  await second.start();
  // Until re-attached, the pod's GPU is taken out of the node (no one may be placed on it).
  t.deepEqual(
    second.nodes()[0]?.gpus.map((g) => g.freeMilli),
    [1000, 0],
  );
  t.deepEqual(second.undriven(), [{ jobId: request.jobId, attempt: 1, name: `gpubatch-${request.jobId}-1` }]);
  t.is(await second.reattach(attempt(), on('gpu-1'), recorder()), undefined, 'no pod, nothing to re-attach');
  const outcome = await second.reattach(request, on('gpu-1', [1]), recorder());
  t.like(outcome, { kind: 'succeeded', result: { rows: 1 } });
  t.is(kube.stats.count('create', 'pods'), 1, 'never started twice');
});

test('removeOrphan stops an undriven pod', async (t) => {
  const kube = await fakeKube(t);
  kube.add('nodes', poolNode('gpu-1'));
  const first = executorFor(t, kube);
  await first.start();
  const request = attempt({ durationMs: Number.POSITIVE_INFINITY });
  const hooks = recorder();
  void first.run(request, on('gpu-1'), hooks);
  await eventually(() => hooks.started === 1);
  await first.close();
  const second = executorFor(t, kube, { terminationGraceSeconds: 1 });
  await second.start();
  const [orphan] = second.undriven();
  await second.removeOrphan(orphan!);
  await kube.until(() => kube.list('pods', namespace).length === 0, 5000);
  t.pass();
});

test('API faults: 5xx on creates are retried, dropped watches and 410 Gone resume; pods are never listed per pod', async (t) => {
  const kube = await fakeKube(t);
  for (let i = 0; i < 4; i++) kube.add('nodes', poolNode(`gpu-${i}`));
  const executor = executorFor(t, kube);
  await executor.start();
  kube.faults.set({ errorRate: 0.2, seed: 7, only: (r) => r.verb !== 'watch' && r.verb !== 'list' });
  const stopDropping = kube.faults.dropWatchesEvery(150, 'reset');
  t.teardown(stopDropping);
  kube.faults.goneOnNextWatch();
  const runs: Promise<AttemptOutcome>[] = [];
  for (let i = 0; i < 64; i++)
    runs.push(executor.run(attempt({ durationMs: 20 }), on(`gpu-${i % 4}`, [i % 8]), recorder()));
  // Several waves, one GPU each at a time, so no node is ever over-committed.
  const outcomes = [];
  for (let wave = 0; wave < 2; wave++) outcomes.push(...(await Promise.all(runs.splice(0, 32))));
  t.true(
    outcomes.every((o) => o.kind === 'succeeded'),
    JSON.stringify(outcomes.find((o) => o.kind !== 'succeeded')),
  );
  const injected = kube.stats.recent({ verb: 'create', resource: 'pods' }).filter((r) => r.injected).length;
  t.true(injected > 0, 'some creates did fail');
  const restarts = executor.informerRestarts;
  t.true(
    kube.stats.count('list', 'pods') <= 2 + restarts.pods,
    `list pods ${kube.stats.count('list', 'pods')} for ${restarts.pods} informer restarts`,
  );
});

test('a pod stuck pulling its image fails the attempt (retryable) and is removed at once, freeing its node', async (t) => {
  const kube = await fakeKube(t);
  kube.add('nodes', poolNode('gpu-1'));
  const executor = executorFor(t, kube);
  await executor.start();
  const request = attempt({ durationMs: Number.POSITIVE_INFINITY, startDelayMs: 60_000 });
  const running = executor.run(request, on('gpu-1'), recorder());
  // What the kubelet writes after the first pulls failed (the fake does not pull images).
  const { core } = clientsFor(kube.kubeconfig);
  const name = `gpubatch-${request.jobId}-1`;
  await kube.until(() => kube.get('pods', namespace, name)?.status?.containerStatuses !== undefined);
  const pod = await core.readNamespacedPodStatus({ name, namespace });
  pod.status!.containerStatuses![0]!.state = {
    waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' },
  };
  await core.replaceNamespacedPodStatus({ name, namespace, body: pod });
  t.like(failureOf(await running), { code: 'IMAGE_PULL_FAILED', retryable: true });
  await kube.until(() => kube.get('pods', namespace, name) === undefined);
});

test('on a gpuSharing pool two half shares of GPU 0 run side by side, each pod seeing only that GPU', async (t) => {
  const kube = await fakeKube(t);
  kube.add('nodes', poolNode('gpu-1', 2));
  const executor = executorFor(t, kube, { gpuSharing: true });
  await executor.start();
  const share = { ...on('gpu-1', [0]), gpuMilliPerGpu: 500 };
  const [a, b] = [attempt({ durationMs: 200 }), attempt({ durationMs: 200 })];
  const outcomes = await Promise.all([
    executor.run(a, share, recorder()),
    executor.run(b, share, recorder()),
  ]);
  t.true(outcomes.every((o) => o.kind === 'succeeded'));
  const created = kube.stats.recent({ verb: 'create', resource: 'pods' }).length;
  t.is(created, 2);
  t.deepEqual(
    kube
      .list('pods', namespace)
      .map(
        (pod) =>
          pod.spec.containers[0].env.find((e: { name: string }) => e.name === 'NVIDIA_VISIBLE_DEVICES')
            ?.value,
      ),
    ['0', '0'],
  );
});

test('informers that client-node gives up on (5xx on watch and list) are restarted with backoff and catch up', async (t) => {
  const kube = await fakeKube(t);
  kube.add('nodes', poolNode('gpu-1'));
  const executor = executorFor(t, kube);
  await executor.start();
  // Every watch and list fails for a while; the open watches are cut so they must reconnect into it.
  kube.faults.set({
    errorRate: 1,
    includeWatches: true,
    only: (r) => r.verb === 'watch' || r.verb === 'list',
  });
  kube.faults.dropWatches('reset');
  const hooks = recorder();
  const running = executor.run(attempt({ durationMs: 50 }), on('gpu-1'), hooks);
  await eventually(() => executor.informerRestarts.pods >= 2, 10_000);
  kube.faults.reset();
  t.like(await running, { kind: 'succeeded' }, 'the pod ended while nobody watched; the resumed watch tells');
  kube.add('nodes', poolNode('gpu-2'));
  await eventually(() => executor.nodes().length === 2, 10_000);
});
