// The fake Kubernetes API answers the real client-node like an API server: objects get
// resourceVersions, errors are Status objects with the right code and reason, patches and
// bindings follow the server's rules.
import { PatchStrategy, setHeaderOptions, type V1Node, type V1Pod } from '@kubernetes/client-node';
import test from 'ava';
import { apiError, clientsFor } from '../support/fake-kube/clients.ts';
import { gpuNode, jobPod, startFakeKube } from '../support/fake-kube/index.ts';

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const kube = await startFakeKube({ kubelet: false });
  t.teardown(() => kube.stop());
  return { kube, ...clientsFor(kube.kubeconfig) };
}

const namespace = 'default';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

test('a created pod gets a uid, a resourceVersion and Pending status, and reads back the same', async (t) => {
  const { core } = await setup(t);

  const created = await core.createNamespacedPod({ namespace, body: jobPod('p1') as V1Pod });
  const read = await core.readNamespacedPod({ name: 'p1', namespace });

  t.truthy(created.metadata?.uid);
  t.regex(created.metadata?.resourceVersion ?? '', /^\d+$/);
  t.is(created.status?.phase, 'Pending');
  t.is(created.spec?.restartPolicy, 'Never');
  t.deepEqual(read, created);
});

test('every write gets a higher resourceVersion than the last, across resources', async (t) => {
  const { core } = await setup(t);

  const node = await core.createNode({ body: gpuNode('n1') as V1Node });
  const pod = await core.createNamespacedPod({ namespace, body: jobPod('p1') as V1Pod });
  const patched = await core.patchNamespacedPod(
    { name: 'p1', namespace, body: { metadata: { labels: { x: 'y' } } } },
    merge,
  );

  const rvs = [node, pod, patched].map((o) => Number(o.metadata?.resourceVersion));
  t.true(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!);
});

test('reading a missing object is 404 with a NotFound Status naming it', async (t) => {
  const { core } = await setup(t);

  const { code, status } = await apiError(core.readNamespacedPod({ name: 'ghost', namespace }));

  t.is(code, 404);
  t.like(status, {
    kind: 'Status',
    status: 'Failure',
    reason: 'NotFound',
    code: 404,
    message: 'pods "ghost" not found',
  });
  t.deepEqual(status?.details, { name: 'ghost', kind: 'pods' });
});

test('creating an object twice is 409 AlreadyExists', async (t) => {
  const { core } = await setup(t);
  await core.createNamespacedPod({ namespace, body: jobPod('p1') as V1Pod });

  const { code, status } = await apiError(
    core.createNamespacedPod({ namespace, body: jobPod('p1') as V1Pod }),
  );

  t.is(code, 409);
  t.is(status?.reason, 'AlreadyExists');
});

test('generateName gets a unique suffix', async (t) => {
  const { core } = await setup(t);
  const body = { ...jobPod(''), metadata: { generateName: 'job-' } } as V1Pod;

  const a = await core.createNamespacedPod({ namespace, body });
  const b = await core.createNamespacedPod({ namespace, body });

  t.regex(a.metadata?.name ?? '', /^job-[a-z0-9]{5}$/);
  t.not(a.metadata?.name, b.metadata?.name);
});

test('a request without the kubeconfig token is 401', async (t) => {
  const { kube } = await setup(t);
  const wrong = kube.kubeconfig.replace(kube.token, 'not-the-token');

  const { code } = await apiError(clientsFor(wrong).core.listNode());

  t.is(code, 401);
});

test('an invalid object is 422 Invalid, naming the field', async (t) => {
  const { core } = await setup(t);
  const noImage = jobPod('p1');
  noImage.spec.containers[0].image = '';

  const badName = await apiError(
    core.createNamespacedPod({ namespace, body: jobPod('Not_A_Name') as V1Pod }),
  );
  const missing = await apiError(core.createNamespacedPod({ namespace, body: noImage as V1Pod }));

  t.is(badName.code, 422);
  t.is(badName.status?.reason, 'Invalid');
  t.regex(missing.status?.message ?? '', /spec\.containers\[0\]\.image: Required value/);
});

test('a merge patch changes only what it names; a stale resourceVersion in it is 409 Conflict', async (t) => {
  const { core } = await setup(t);
  const created = await core.createNamespacedPod({
    namespace,
    body: jobPod('p1', { labels: { a: '1' } }) as V1Pod,
  });

  const patched = await core.patchNamespacedPod(
    { name: 'p1', namespace, body: { metadata: { labels: { b: '2' } } } },
    merge,
  );
  const stale = await apiError(
    core.patchNamespacedPod(
      {
        name: 'p1',
        namespace,
        body: { metadata: { resourceVersion: created.metadata?.resourceVersion, labels: { c: '3' } } },
      },
      merge,
    ),
  );

  t.deepEqual(patched.metadata?.labels, { a: '1', b: '2' });
  t.is(stale.code, 409);
  t.is(stale.status?.reason, 'Conflict');
});

test("client-node's default patch format is JSON Patch, and a failed test op is 422", async (t) => {
  const { core } = await setup(t);
  await core.createNamespacedPod({ namespace, body: jobPod('p1', { labels: { a: '1' } }) as V1Pod });

  const patched = await core.patchNamespacedPod({
    name: 'p1',
    namespace,
    body: [{ op: 'replace', path: '/metadata/labels/a', value: '2' }],
  });
  const failed = await apiError(
    core.patchNamespacedPod({
      name: 'p1',
      namespace,
      body: [{ op: 'test', path: '/metadata/labels/a', value: '1' }],
    }),
  );

  t.deepEqual(patched.metadata?.labels, { a: '2' });
  t.is(failed.code, 422);
});

test('a pod spec is immutable except image, activeDeadlineSeconds and tolerations', async (t) => {
  const { core } = await setup(t);
  await core.createNamespacedPod({ namespace, body: jobPod('p1') as V1Pod });

  const nodeName = await apiError(
    core.patchNamespacedPod({ name: 'p1', namespace, body: { spec: { nodeName: 'n1' } } }, merge),
  );
  const deadline = await core.patchNamespacedPod(
    { name: 'p1', namespace, body: { spec: { activeDeadlineSeconds: 60 } } },
    merge,
  );

  t.is(nodeName.code, 422);
  t.is(deadline.spec?.activeDeadlineSeconds, 60);
});

test('status written through the main resource is ignored; the status subresource changes only status', async (t) => {
  const { core } = await setup(t);
  await core.createNamespacedPod({ namespace, body: jobPod('p1') as V1Pod });

  const viaMain = await core.patchNamespacedPod(
    { name: 'p1', namespace, body: { status: { phase: 'Running' } } },
    merge,
  );
  const viaStatus = await core.patchNamespacedPodStatus(
    { name: 'p1', namespace, body: { status: { phase: 'Running' }, metadata: { labels: { x: 'y' } } } },
    merge,
  );

  t.is(viaMain.status?.phase, 'Pending');
  t.is(viaStatus.status?.phase, 'Running');
  t.is(viaStatus.metadata?.labels?.x, undefined);
});

test('binding sets the node once; binding again is 409 Conflict', async (t) => {
  const { core } = await setup(t);
  await core.createNamespacedPod({ namespace, body: jobPod('p1') as V1Pod });
  const binding = (node: string) => ({
    name: 'p1',
    namespace,
    body: {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'p1' },
      target: { kind: 'Node', name: node },
    },
  });

  await core.createNamespacedPodBinding(binding('n1'));
  const again = await apiError(core.createNamespacedPodBinding(binding('n2')));
  const pod = await core.readNamespacedPod({ name: 'p1', namespace });

  t.is(pod.spec?.nodeName, 'n1');
  t.true(pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True'));
  t.is(again.code, 409);
  t.regex(again.status?.message ?? '', /already assigned to node "n1"/);
});

test('the older namespaces/{ns}/bindings endpoint binds too', async (t) => {
  const { core } = await setup(t);
  await core.createNamespacedPod({ namespace, body: jobPod('p1') as V1Pod });

  await core.createNamespacedBinding({
    namespace,
    body: {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'p1' },
      target: { kind: 'Node', name: 'n1' },
    },
  });

  t.is((await core.readNamespacedPod({ name: 'p1', namespace })).spec?.nodeName, 'n1');
});

test('label and field selectors filter lists; an unsupported field is 400', async (t) => {
  const { core, kube } = await setup(t);
  kube.add('pods', jobPod('a', { labels: { 'gpubatch.io/job': 'j1', tier: 'gpu' }, nodeName: 'n1' }));
  kube.add('pods', jobPod('b', { labels: { 'gpubatch.io/job': 'j2', tier: 'gpu' }, nodeName: 'n2' }));
  kube.add('pods', jobPod('c', { labels: { tier: 'cpu' } }));
  const names = (l: { items: V1Pod[] }) => l.items.map((p) => p.metadata?.name);

  t.deepEqual(names(await core.listNamespacedPod({ namespace, labelSelector: 'gpubatch.io/job' })), [
    'a',
    'b',
  ]);
  t.deepEqual(
    names(await core.listNamespacedPod({ namespace, labelSelector: 'tier in (gpu),gpubatch.io/job!=j1' })),
    ['b'],
  );
  t.deepEqual(names(await core.listNamespacedPod({ namespace, labelSelector: '!gpubatch.io/job' })), ['c']);
  t.deepEqual(names(await core.listNamespacedPod({ namespace, fieldSelector: 'spec.nodeName=n2' })), ['b']);
  t.deepEqual(names(await core.listPodForAllNamespaces({ fieldSelector: 'metadata.name=a' })), ['a']);
  t.is((await apiError(core.listNamespacedPod({ namespace, fieldSelector: 'spec.image=x' }))).code, 400);
});

test('a list carries the current resourceVersion; its items carry no kind', async (t) => {
  const { core, kube } = await setup(t);
  kube.add('pods', jobPod('a'));

  const list = await core.listNamespacedPod({ namespace });

  t.is(list.kind, 'PodList');
  t.is(list.metadata?.resourceVersion, String(kube.store.resourceVersion));
  t.is(list.items[0]?.kind, undefined);
});

test('limit and continue page through a list', async (t) => {
  const { core, kube } = await setup(t);
  for (const name of ['a', 'b', 'c', 'd', 'e']) kube.add('pods', jobPod(name));

  const first = await core.listNamespacedPod({ namespace, limit: 2 });
  const second = await core.listNamespacedPod({ namespace, limit: 2, _continue: first.metadata?._continue });
  const third = await core.listNamespacedPod({ namespace, limit: 2, _continue: second.metadata?._continue });

  t.deepEqual(
    [first, second, third].map((l) => l.items.map((p) => p.metadata?.name)),
    [['a', 'b'], ['c', 'd'], ['e']],
  );
  t.is(first.metadata?.remainingItemCount, 3);
  t.is(third.metadata?._continue, undefined);
});

test('deleting an unbound pod removes it at once; a uid precondition that does not match is 409', async (t) => {
  const { core } = await setup(t);
  await core.createNamespacedPod({ namespace, body: jobPod('p1') as V1Pod });

  const wrongUid = await apiError(
    core.deleteNamespacedPod({ name: 'p1', namespace, body: { preconditions: { uid: 'not-its-uid' } } }),
  );
  await core.deleteNamespacedPod({ name: 'p1', namespace });

  t.is(wrongUid.code, 409);
  t.is((await apiError(core.readNamespacedPod({ name: 'p1', namespace }))).code, 404);
});

test('deleting a pod on a node marks it terminating; grace period 0 removes it', async (t) => {
  const { core, kube } = await setup(t);
  kube.add('pods', jobPod('p1', { nodeName: 'n1' }));

  const terminating = await core.deleteNamespacedPod({ name: 'p1', namespace, gracePeriodSeconds: 30 });
  const stillThere = await core.readNamespacedPod({ name: 'p1', namespace });
  await core.deleteNamespacedPod({ name: 'p1', namespace, gracePeriodSeconds: 0 });

  t.truthy(terminating.metadata?.deletionTimestamp);
  t.is(stillThere.metadata?.deletionGracePeriodSeconds, 30);
  t.is((await apiError(core.readNamespacedPod({ name: 'p1', namespace }))).code, 404);
});

test('nodes are cluster-scoped: create, read status, patch spec, delete', async (t) => {
  const { core } = await setup(t);
  await core.createNode({ body: gpuNode('gpu-1', { gpus: 4 }) as V1Node });

  const status = await core.readNodeStatus({ name: 'gpu-1' });
  const cordoned = await core.patchNode({ name: 'gpu-1', body: { spec: { unschedulable: true } } }, merge);
  const schedulable = await core.listNode({ fieldSelector: 'spec.unschedulable=false' });
  await core.deleteNode({ name: 'gpu-1' });

  t.is(status.status?.allocatable?.['nvidia.com/gpu'], '4');
  t.is(cordoned.spec?.unschedulable, true);
  t.is(schedulable.items.length, 0);
  t.is((await apiError(core.readNode({ name: 'gpu-1' }))).code, 404);
});

test('events are created and listed by involved object', async (t) => {
  const { core } = await setup(t);
  const event = (name: string, pod: string) => ({
    metadata: { name },
    involvedObject: { kind: 'Pod', name: pod, namespace },
    reason: 'Scheduled',
    message: `placed ${pod}`,
    type: 'Normal',
  });

  await core.createNamespacedEvent({ namespace, body: event('e1', 'p1') });
  await core.createNamespacedEvent({ namespace, body: event('e2', 'p2') });
  const forP2 = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=p2' });

  t.deepEqual(
    forP2.items.map((e) => e.message),
    ['placed p2'],
  );
});

test('connections() counts TCP connections: client-node 2.x opens a new one for every request', async (t) => {
  const { core, kube } = await setup(t);
  const before = kube.connections();

  for (let i = 0; i < 3; i++) await core.listNode();

  // A fresh undici Agent per request whenever the cluster has TLS options (here skipTLSVerify,
  // in a cluster its CA): no keep-alive reuse, so request rate costs connection setups.
  t.is(kube.connections() - before, 3);
});
