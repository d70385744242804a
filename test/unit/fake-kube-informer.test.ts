// A client-node informer (list + watch) against the fake API keeps a cache equal to the server's
// through dropped watches, a 410 Gone and a compaction, re-listing only when the server says Gone.
import { makeInformer, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import test from 'ava';
import { clientsFor, eventually } from '../support/fake-kube/clients.ts';
import { type FakeKube, jobPod, startFakeKube } from '../support/fake-kube/index.ts';

const namespace = 'default';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function setup(t: { teardown(fn: () => Promise<void> | void): void }) {
  const kube = await startFakeKube({ kubelet: false });
  const { kc, core } = clientsFor(kube.kubeconfig);
  const informer = makeInformer<V1Pod>(kc, `/api/v1/namespaces/${namespace}/pods`, () =>
    core.listNamespacedPod({ namespace }),
  );
  // client-node's ListWatch stops on any error other than 410 or its own timeout (a reset
  // connection, a 5xx on the watch): its owner must start it again, as the executor will. Its own
  // stop() also reports an AbortError there, so the owner must know it is stopping.
  let stopping = false;
  informer.on('error', () => {
    if (!stopping) setImmediate(() => informer.start());
  });
  await informer.start();
  t.teardown(async () => {
    stopping = true;
    await informer.stop();
    await kube.stop();
  });
  return { kube, core, informer };
}

function versions(
  pods: ReadonlyArray<{ metadata?: { name?: string; resourceVersion?: string } }>,
): Record<string, string> {
  const entries = pods.map((p) => [p.metadata?.name ?? '', p.metadata?.resourceVersion ?? ''] as const);
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
}

function sameAsServer(kube: FakeKube, cached: readonly V1Pod[]): boolean {
  return JSON.stringify(versions(cached)) === JSON.stringify(versions(kube.list('pods', namespace)));
}

test('an informer survives dropped watches, a 410 Gone and a compaction, ending with the server state', async (t) => {
  const { kube, core, informer } = await setup(t);
  const listsAtStart = kube.stats.count('list', 'pods');

  for (let i = 0; i < 30; i++) {
    await core.createNamespacedPod({ namespace, body: jobPod(`p${i}`) as V1Pod });
    if (i % 3 === 0) {
      await core.patchNamespacedPod(
        { name: `p${i}`, namespace, body: { metadata: { labels: { i: `${i}` } } } },
        merge,
      );
    }
    if (i % 4 === 0 && i > 0) await core.deleteNamespacedPod({ name: `p${i - 1}`, namespace });
    if (i === 8) kube.faults.dropWatches('reset');
    if (i === 14) kube.faults.dropWatches('close');
    if (i === 18) {
      kube.faults.goneOnNextWatch();
      kube.faults.dropWatches('close');
    }
    if (i === 24) {
      kube.compact();
      kube.faults.dropWatches('reset');
    }
  }
  await eventually(() => sameAsServer(kube, informer.list(namespace)));

  t.deepEqual(versions(informer.list(namespace)), versions(kube.list('pods', namespace)));
  // Re-listed after the injected 410 and after the compaction, never for a plain drop.
  t.is(kube.stats.count('list', 'pods') - listsAtStart, 2);
});

test('a watch closed by the server is resumed from the last resourceVersion without a re-list', async (t) => {
  const { kube, core, informer } = await setup(t);
  const watchesAtStart = kube.stats.count('watch', 'pods');

  for (let i = 0; i < 3; i++) {
    await core.createNamespacedPod({ namespace, body: jobPod(`p${i}`) as V1Pod });
    await eventually(() => informer.list(namespace).length === i + 1);
    kube.faults.dropWatches('close');
  }
  await core.createNamespacedPod({ namespace, body: jobPod('last') as V1Pod });
  await eventually(() => sameAsServer(kube, informer.list(namespace)));

  t.is(kube.stats.count('list', 'pods'), 1);
  t.true(kube.stats.count('watch', 'pods') - watchesAtStart >= 3);
});
