// Watches on the fake API behave like the API server's: resumable from a resourceVersion, 410 Gone
// once that version is compacted, bookmarks only when asked for, closed after timeoutSeconds, and
// selector watches see objects enter and leave the selection.
import { PatchStrategy, setHeaderOptions, type V1Pod, Watch } from '@kubernetes/client-node';
import test from 'ava';
import { clientsFor, eventually } from '../support/fake-kube/clients.ts';
import { type FakeKubeOptions, jobPod, startFakeKube } from '../support/fake-kube/index.ts';

const namespace = 'default';
const podsPath = `/api/v1/namespaces/${namespace}/pods`;
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface Seen {
  type: string;
  name?: string;
  rv: string;
  code?: number;
  reason?: string;
}

async function setup(t: { teardown(fn: () => Promise<void> | void): void }, options: FakeKubeOptions = {}) {
  const kube = await startFakeKube({ kubelet: false, ...options });
  const clients = clientsFor(kube.kubeconfig);
  const watch = async (query: Record<string, string | boolean | number>) => {
    const seen: Seen[] = [];
    let finish: (err: unknown) => void = () => {};
    const ended = new Promise<unknown>((resolve) => {
      finish = resolve;
    });
    const controller = await new Watch(clients.kc).watch(
      podsPath,
      query,
      (type, object) =>
        seen.push({
          type,
          name: object.metadata?.name,
          rv: object.metadata?.resourceVersion,
          code: object.code,
          reason: object.reason,
        }),
      (err) => finish(err),
    );
    t.teardown(() => controller.abort());
    return { seen, ended };
  };
  t.teardown(() => kube.stop());
  return { kube, ...clients, watch };
}

test('a watch from a list resourceVersion sees exactly the changes after the list, in order', async (t) => {
  const { core, kube, watch } = await setup(t);
  kube.add('pods', jobPod('before'));
  const list = await core.listNamespacedPod({ namespace });

  const { seen } = await watch({ resourceVersion: list.metadata?.resourceVersion ?? '' });
  await core.createNamespacedPod({ namespace, body: jobPod('p1') as V1Pod });
  await core.patchNamespacedPod({ name: 'p1', namespace, body: { metadata: { labels: { a: 'b' } } } }, merge);
  await core.deleteNamespacedPod({ name: 'p1', namespace });
  await eventually(() => seen.length === 3);

  t.deepEqual(
    seen.map((e) => [e.type, e.name]),
    [
      ['ADDED', 'p1'],
      ['MODIFIED', 'p1'],
      ['DELETED', 'p1'],
    ],
  );
  const rvs = seen.map((e) => Number(e.rv));
  t.true(rvs[0]! > Number(list.metadata?.resourceVersion) && rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!);
});

test('a watch without a resourceVersion starts with the current objects as ADDED', async (t) => {
  const { kube, watch } = await setup(t);
  kube.add('pods', jobPod('a'));
  kube.add('pods', jobPod('b'));

  const { seen } = await watch({});
  await eventually(() => seen.length === 2);

  t.deepEqual(
    seen.map((e) => [e.type, e.name]),
    [
      ['ADDED', 'a'],
      ['ADDED', 'b'],
    ],
  );
});

test('a watch from an older resourceVersion replays what happened since', async (t) => {
  const { kube, watch } = await setup(t);
  kube.add('pods', jobPod('first'));
  const from = String(kube.store.resourceVersion);
  kube.add('pods', jobPod('a'));
  kube.add('pods', jobPod('b'));

  const { seen } = await watch({ resourceVersion: from });
  await eventually(() => seen.length === 2);

  t.deepEqual(
    seen.map((e) => e.name),
    ['a', 'b'],
  );
});

test('a watch from a compacted resourceVersion gets an ERROR event with Status 410 Expired, then the stream ends', async (t) => {
  const { kube, watch } = await setup(t);
  kube.add('pods', jobPod('first'));
  const from = String(kube.store.resourceVersion);
  kube.add('pods', jobPod('a'));
  kube.compact();

  const { seen, ended } = await watch({ resourceVersion: from });

  t.is(await ended, null);
  t.deepEqual(seen, [{ type: 'ERROR', name: undefined, rv: undefined, code: 410, reason: 'Expired' }]);
});

test('a bounded history expires old resourceVersions by itself', async (t) => {
  const { kube, watch } = await setup(t, { historyLimit: 3 });
  kube.add('pods', jobPod('first'));
  const from = String(kube.store.resourceVersion);
  for (const name of ['a', 'b', 'c', 'd']) kube.add('pods', jobPod(name));
  const recent = String(kube.store.resourceVersion - 2);

  const old = await watch({ resourceVersion: from });
  const fresh = await watch({ resourceVersion: recent });
  await old.ended;
  await eventually(() => fresh.seen.length === 2);

  t.is(old.seen[0]?.code, 410);
  t.deepEqual(
    fresh.seen.map((e) => e.name),
    ['c', 'd'],
  );
});

test('an injected HTTP 410 reaches the watch callback as an error with statusCode 410', async (t) => {
  const { kube, watch } = await setup(t);
  kube.faults.goneOnNextWatch({ http: true });

  const { ended } = await watch({ resourceVersion: String(kube.store.resourceVersion) });

  t.is(((await ended) as { statusCode?: number }).statusCode, 410);
});

test('bookmarks come only with allowWatchBookmarks, carrying the current resourceVersion', async (t) => {
  const { kube, watch } = await setup(t, { bookmarkIntervalMs: 20 });
  kube.add('pods', jobPod('a'));
  const rv = String(kube.store.resourceVersion);

  const withBookmarks = await watch({ resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 1 });
  const without = await watch({ resourceVersion: rv, timeoutSeconds: 1 });
  await Promise.all([withBookmarks.ended, without.ended]);

  t.true(withBookmarks.seen.length > 1);
  t.true(withBookmarks.seen.every((e) => e.type === 'BOOKMARK' && e.rv === rv));
  t.deepEqual(without.seen, []);
});

test('a watch ends cleanly after timeoutSeconds', async (t) => {
  const { watch } = await setup(t);
  const started = Date.now();

  const { ended } = await watch({ timeoutSeconds: 1 });

  t.is(await ended, null);
  t.true(Date.now() - started >= 900);
});

test('a label-selector watch sees an object leave the selection as DELETED and come back as ADDED', async (t) => {
  const { core, kube, watch } = await setup(t);
  kube.add('pods', jobPod('p1', { labels: { pool: 'gpu' } }));

  const { seen } = await watch({
    resourceVersion: String(kube.store.resourceVersion),
    labelSelector: 'pool=gpu',
  });
  await core.patchNamespacedPod(
    { name: 'p1', namespace, body: { metadata: { labels: { pool: 'cpu' } } } },
    merge,
  );
  await core.patchNamespacedPod(
    { name: 'p1', namespace, body: { metadata: { labels: { other: 'x' } } } },
    merge,
  );
  await core.patchNamespacedPod(
    { name: 'p1', namespace, body: { metadata: { labels: { pool: 'gpu' } } } },
    merge,
  );
  await eventually(() => seen.length === 2);

  t.deepEqual(
    seen.map((e) => e.type),
    ['DELETED', 'ADDED'],
  );
});

test('a field-selector watch on spec.nodeName sees only the pods bound to that node', async (t) => {
  const { core, kube, watch } = await setup(t);
  kube.add('pods', jobPod('p1'));
  kube.add('pods', jobPod('p2'));
  const bind = (name: string, node: string) =>
    core.createNamespacedPodBinding({
      name,
      namespace,
      body: { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: node } },
    });

  const { seen } = await watch({ fieldSelector: 'spec.nodeName=n1' });
  await bind('p2', 'n2');
  await bind('p1', 'n1');
  await eventually(() => seen.length === 1);

  t.deepEqual(
    seen.map((e) => [e.type, e.name]),
    [['ADDED', 'p1']],
  );
});
