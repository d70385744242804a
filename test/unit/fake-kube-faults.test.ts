// Faults injected into the fake API reach client-node as the real ones would: ApiException with
// the HTTP code and a Status, Retry-After on 429, slow answers; random faults repeat with a seed;
// request counts show how a client used the API.
import { type V1Pod, Watch } from '@kubernetes/client-node';
import test from 'ava';
import { apiError, clientsFor, eventually } from '../support/fake-kube/clients.ts';
import { gpuNode, jobPod, type RandomFaults, startFakeKube } from '../support/fake-kube/index.ts';

const namespace = 'default';

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const kube = await startFakeKube({ kubelet: false });
  t.teardown(() => kube.stop());
  kube.add('nodes', gpuNode('n1'));
  return { kube, ...clientsFor(kube.kubeconfig) };
}

test('failNext answers the next request with the given 5xx as a Status, then requests succeed again', async (t) => {
  const { kube, core } = await setup(t);
  kube.faults.failNext(1, { code: 503 });

  const failed = await apiError(core.readNode({ name: 'n1' }));
  const next = await core.readNode({ name: 'n1' });

  t.is(failed.code, 503);
  t.like(failed.status, { kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
  t.is(next.metadata?.name, 'n1');
});

test('a 429 carries Retry-After, in the header and in the Status details', async (t) => {
  const { kube, core } = await setup(t);
  kube.faults.failNext(1, { code: 429, retryAfterSeconds: 2 });

  const throttled = await apiError(core.listNode());

  t.is(throttled.code, 429);
  t.is(throttled.headers['retry-after'], '2');
  t.is(throttled.status?.reason, 'TooManyRequests');
  t.is(throttled.status?.details?.retryAfterSeconds, 2);
});

test('a fault can target one verb and resource, e.g. only bindings', async (t) => {
  const { kube, core } = await setup(t);
  kube.faults.failNext(1, { code: 500, only: (r) => r.resource === 'pods/binding' });
  await core.createNamespacedPod({ namespace, body: jobPod('p1') as V1Pod });

  const failed = await apiError(
    core.createNamespacedPodBinding({
      name: 'p1',
      namespace,
      body: {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'p1' },
        target: { kind: 'Node', name: 'n1' },
      },
    }),
  );

  t.is(failed.code, 500);
  t.is(kube.get('pods', namespace, 'p1')?.spec.nodeName, undefined, 'a failed binding binds nothing');
});

async function outcomes(faults: RandomFaults): Promise<number[]> {
  const kube = await startFakeKube({ kubelet: false });
  try {
    kube.add('nodes', gpuNode('n1'));
    const { core } = clientsFor(kube.kubeconfig);
    kube.faults.set(faults);
    const codes: number[] = [];
    for (let i = 0; i < 40; i++) {
      codes.push(
        await core.readNode({ name: 'n1' }).then(
          () => 200,
          (err: { code: number }) => err.code,
        ),
      );
    }
    return codes;
  } finally {
    await kube.stop();
  }
}

test('random faults fail about the given fraction of requests with the given codes, the same way for the same seed', async (t) => {
  const faults = { errorRate: 0.3, codes: [500, 503], seed: 7 };

  const first = await outcomes(faults);
  const again = await outcomes(faults);

  const failed = first.filter((c) => c !== 200);
  t.true(failed.length >= 4 && failed.length <= 24, `${failed.length} of 40 failed`);
  t.true(failed.every((c) => c === 500 || c === 503));
  t.deepEqual(again, first);
});

test('latency slows every response by the given time', async (t) => {
  const { kube, core } = await setup(t);
  kube.faults.set({ latencyMs: 150 });

  const started = Date.now();
  await core.readNode({ name: 'n1' });

  t.true(Date.now() - started >= 150);
});

test('request counts are kept by verb and resource, with injected failures marked', async (t) => {
  const { kube, core } = await setup(t);
  kube.faults.failNext(1, { code: 500 });

  await apiError(core.listNamespacedPod({ namespace }));
  await core.listNamespacedPod({ namespace, labelSelector: 'gpubatch.io/job' });
  await core.createNamespacedPod({ namespace, body: jobPod('p1') as V1Pod });
  await core.readNamespacedPod({ name: 'p1', namespace });

  t.deepEqual(kube.stats.counts(), { 'create pods': 1, 'get pods': 1, 'list pods': 2 });
  t.deepEqual(
    kube.stats.recent({ verb: 'list' }).map((r) => [r.code, r.injected, r.labelSelector]),
    [
      [500, true, undefined],
      [200, false, 'gpubatch.io/job'],
    ],
  );
});

test('dropWatchesEvery keeps closing open watches until stopped', async (t) => {
  const { kube, kc } = await setup(t);
  let ends = 0;
  const open = () =>
    new Watch(kc).watch(
      '/api/v1/nodes',
      {},
      () => {},
      () => {
        ends++;
        if (ends < 3) void open();
      },
    );
  const stop = kube.faults.dropWatchesEvery(30, 'close');

  await open();
  await eventually(() => ends === 3);
  stop();

  t.is(kube.stats.count('watch', 'nodes'), 3);
  t.is(kube.openWatches(), 0);
});
