// The fake kubelet runs pods bound to a node through Pending -> Running -> Succeeded/Failed as
// their script says, with the container statuses, deadlines, restarts, graceful deletion, node
// loss and logs a real kubelet and control plane produce; all read through client-node.
import { PassThrough } from 'node:stream';
import { Log, type V1Pod, Watch } from '@kubernetes/client-node';
import test from 'ava';
import { apiError, clientsFor, eventually } from '../support/fake-kube/clients.ts';
import {
  type FakeKubeOptions,
  gpuNode,
  jobPod,
  type PodScript,
  scriptAsAnnotations,
  startFakeKube,
} from '../support/fake-kube/index.ts';

const namespace = 'default';

async function setup(t: { teardown(fn: () => Promise<void> | void): void }, options: FakeKubeOptions = {}) {
  const kube = await startFakeKube({
    kubelet: { msPerSecond: 10, defaultDurationMs: 30, startDelayMs: 5 },
    ...options,
  });
  t.teardown(() => kube.stop());
  const clients = clientsFor(kube.kubeconfig);
  kube.add('nodes', gpuNode('n1'));
  const { core } = clients;
  /** Creates a pod with a script and binds it to n1, through the API. */
  const run = async (name: string, script: PodScript = {}, extra: Partial<V1Pod['spec']> = {}) => {
    const pod = jobPod(name, { annotations: scriptAsAnnotations(script) });
    Object.assign(pod.spec, extra);
    await core.createNamespacedPod({ namespace, body: pod as V1Pod });
    await core.createNamespacedPodBinding({
      name,
      namespace,
      body: { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: 'n1' } },
    });
  };
  /** Every version of one pod, as a field-selector watch delivers them. */
  const history = async (name: string) => {
    const seen: Array<{ type: string; pod: V1Pod }> = [];
    const controller = await new Watch(clients.kc).watch(
      `/api/v1/namespaces/${namespace}/pods`,
      { fieldSelector: `metadata.name=${name}` },
      (type, pod) => seen.push({ type, pod }),
      () => {},
    );
    t.teardown(() => controller.abort());
    return seen;
  };
  const phaseIs = (name: string, phase: string) => () =>
    kube.get('pods', namespace, name)?.status?.phase === phase;
  return { kube, ...clients, run, history, phaseIs };
}

test('a bound pod goes Pending -> Running -> Succeeded, its container Completed with exit code 0', async (t) => {
  const { core, run, history } = await setup(t);
  const seen = await history('p1');

  await run('p1');
  await eventually(() => seen.some((e) => e.pod.status?.phase === 'Succeeded'));

  const phases = seen.map((e) => e.pod.status?.phase).filter((p, i, all) => p !== all[i - 1]);
  t.deepEqual(phases, ['Pending', 'Running', 'Succeeded']);
  const running = seen.find((e) => e.pod.status?.phase === 'Running')?.pod;
  t.truthy(running?.status?.containerStatuses?.[0]?.state?.running?.startedAt);
  t.truthy(running?.status?.podIP);
  const pod = await core.readNamespacedPod({ name: 'p1', namespace });
  t.like(pod.status?.containerStatuses?.[0]?.state?.terminated, { exitCode: 0, reason: 'Completed' });
});

test('a pod that is not bound to a node is never run', async (t) => {
  const { kube, core, run, phaseIs } = await setup(t);
  await core.createNamespacedPod({ namespace, body: jobPod('unbound') as V1Pod });

  await run('bound');
  await kube.until(phaseIs('bound', 'Succeeded'));

  const unbound = await core.readNamespacedPod({ name: 'unbound', namespace });
  t.is(unbound.status?.phase, 'Pending');
  t.is(unbound.status?.containerStatuses, undefined);
});

test('a non-zero exit fails the pod with that exit code and reason Error', async (t) => {
  const { kube, core, run, phaseIs } = await setup(t);

  await run('p1', { exitCode: 3, message: 'bad input' });
  await kube.until(phaseIs('p1', 'Failed'));

  const pod = await core.readNamespacedPod({ name: 'p1', namespace });
  t.like(pod.status?.containerStatuses?.[0]?.state?.terminated, {
    exitCode: 3,
    reason: 'Error',
    message: 'bad input',
  });
});

test('a script callback decides per pod, e.g. an OOM kill', async (t) => {
  const { kube, core, run, phaseIs } = await setup(t, {
    kubelet: {
      msPerSecond: 10,
      script: (pod) => (pod.metadata.name === 'big' ? { exitCode: 137, reason: 'OOMKilled' } : undefined),
    },
  });

  await run('big');
  await run('small');
  await kube.until(() => phaseIs('big', 'Failed')() && phaseIs('small', 'Succeeded')());

  const big = await core.readNamespacedPod({ name: 'big', namespace });
  t.like(big.status?.containerStatuses?.[0]?.state?.terminated, { exitCode: 137, reason: 'OOMKilled' });
});

test('activeDeadlineSeconds fails a pod still running with reason DeadlineExceeded', async (t) => {
  const { kube, core, run, phaseIs } = await setup(t);

  await run('slow', { durationMs: Number.POSITIVE_INFINITY }, { activeDeadlineSeconds: 3 });
  await kube.until(phaseIs('slow', 'Failed'));

  const pod = await core.readNamespacedPod({ name: 'slow', namespace });
  t.is(pod.status?.reason, 'DeadlineExceeded');
  t.is(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 137);
});

test('restartPolicy OnFailure restarts a failing container instead of failing the pod', async (t) => {
  const { kube, core, run } = await setup(t);

  await run('crashy', { exitCode: 1, durationMs: 5 }, { restartPolicy: 'OnFailure' });
  await kube.until(
    () => (kube.get('pods', namespace, 'crashy')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
  );

  const pod = await core.readNamespacedPod({ name: 'crashy', namespace });
  t.not(pod.status?.phase, 'Failed');
  t.is(pod.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 1);
});

test('deleting a running pod stops it with SIGTERM (exit 143), then removes it', async (t) => {
  const { core, run, history, kube } = await setup(t);
  const seen = await history('p1');
  await run('p1', { durationMs: Number.POSITIVE_INFINITY });
  await kube.until(() => kube.get('pods', namespace, 'p1')?.status?.phase === 'Running');

  const deleted = await core.deleteNamespacedPod({ name: 'p1', namespace });
  await eventually(() => seen.at(-1)?.type === 'DELETED');

  t.truthy(deleted.metadata?.deletionTimestamp);
  const last = seen.at(-2)?.pod;
  t.is(last?.status?.phase, 'Failed');
  t.is(last?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 143);
});

test('a process that ignores SIGTERM is killed (exit 137) when the grace period ends', async (t) => {
  const { core, run, history, kube } = await setup(t);
  const seen = await history('p1');
  await run('p1', { durationMs: Number.POSITIVE_INFINITY, sigtermExitMs: 10_000 });
  await kube.until(() => kube.get('pods', namespace, 'p1')?.status?.phase === 'Running');

  await core.deleteNamespacedPod({ name: 'p1', namespace, gracePeriodSeconds: 2 });
  await eventually(() => seen.at(-1)?.type === 'DELETED');

  t.is(seen.at(-2)?.pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 137);
});

test('on a NotReady node pods are marked not Ready and their progress is reported only once the node is back', async (t) => {
  const { kube, core, run } = await setup(t);
  // Long enough that the node goes NotReady while the container still runs, even on a loaded machine.
  await run('p1', { durationMs: 300 });
  await kube.until(() => kube.get('pods', namespace, 'p1')?.status?.phase === 'Running');

  kube.setNodeReady('n1', false);
  await eventually(() => (kube.kubelet?.unreported ?? 0) > 0);
  const node = await core.readNode({ name: 'n1' });
  const during = await core.readNamespacedPod({ name: 'p1', namespace });
  kube.setNodeReady('n1', true);
  await kube.until(() => kube.get('pods', namespace, 'p1')?.status?.phase === 'Succeeded');

  t.like(
    node.status?.conditions?.find((c) => c.type === 'Ready'),
    { status: 'Unknown' },
  );
  t.deepEqual(
    node.spec?.taints?.map((x) => [x.key, x.effect]),
    [['node.kubernetes.io/unreachable', 'NoExecute']],
  );
  t.is(during.status?.phase, 'Running');
  t.like(
    during.status?.conditions?.find((c) => c.type === 'Ready'),
    { status: 'False' },
  );
});

test('deleting a node fails its unfinished pods with DisruptionTarget DeletionByPodGC, then deletes them', async (t) => {
  const { kube, run, history } = await setup(t);
  const seen = await history('p1');
  await run('p1', { durationMs: Number.POSITIVE_INFINITY });
  await kube.until(() => kube.get('pods', namespace, 'p1')?.status?.phase === 'Running');

  kube.deleteNode('n1');
  await eventually(() => seen.at(-1)?.type === 'DELETED');

  const failed = seen.at(-2)?.pod;
  t.is(failed?.status?.phase, 'Failed');
  t.like(
    failed?.status?.conditions?.find((c) => c.type === 'DisruptionTarget'),
    {
      status: 'True',
      reason: 'DeletionByPodGC',
    },
  );
});

test('a finished pod log reads back whole or by tailLines; a container not started yet is 400', async (t) => {
  const { kube, core, run, phaseIs } = await setup(t);
  await run('p1', { logs: ['loading', 'step 1', 'done'] });
  await run('late', { startDelayMs: 60_000 });
  await kube.until(phaseIs('p1', 'Succeeded'));

  const all = await core.readNamespacedPodLog({ name: 'p1', namespace, container: 'runner' });
  const tail = await core.readNamespacedPodLog({ name: 'p1', namespace, tailLines: 1 });
  const waiting = await apiError(core.readNamespacedPodLog({ name: 'late', namespace }));

  t.is(all, 'loading\nstep 1\ndone\n');
  t.is(tail, 'done\n');
  t.is(waiting.code, 400);
});

test('following a log streams lines as they are written and ends when the container exits', async (t) => {
  const { kc, kube, run } = await setup(t);
  await run('p1', { durationMs: 200, logs: ['a', 'b', 'c', 'd'] });
  await kube.until(() => kube.get('pods', namespace, 'p1')?.status?.phase === 'Running');

  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk) => {
    text += chunk;
  });
  const ended = new Promise((resolve) => out.on('end', resolve));
  await new Log(kc).log(namespace, 'p1', 'runner', out, { follow: true });
  await ended;

  t.is(text, 'a\nb\nc\nd\n');
  t.is(kube.get('pods', namespace, 'p1')?.status?.phase, 'Succeeded');
});

test('a pod that does not fit next to the running ones is rejected with OutOfnvidia.com/gpu', async (t) => {
  const { kube, core, run, phaseIs } = await setup(t);
  const gpus = (n: number) => ({
    containers: [
      { name: 'runner', image: 'gpubatch:test', resources: { limits: { 'nvidia.com/gpu': String(n) } } },
    ],
  });

  await run('six', { durationMs: Number.POSITIVE_INFINITY }, gpus(6));
  await kube.until(phaseIs('six', 'Running'));
  await run('three', {}, gpus(3));
  await run('two', {}, gpus(2));
  await kube.until(() => phaseIs('three', 'Failed')() && phaseIs('two', 'Succeeded')());

  const rejected = await core.readNamespacedPod({ name: 'three', namespace });
  t.is(rejected.status?.reason, 'OutOfnvidia.com/gpu');
  t.regex(rejected.status?.message ?? '', /requested: 3, used: 6, capacity: 8/);
});
