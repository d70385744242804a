// Leases on the fake API: optimistic concurrency on resourceVersion (one winner of two
// contenders), and the MicroTime format the real API server insists on.
import { type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import test from 'ava';
import { apiError, clientsFor } from '../support/fake-kube/clients.ts';
import { startFakeKube } from '../support/fake-kube/index.ts';

const namespace = 'gpubatch';

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const kube = await startFakeKube({ kubelet: false });
  t.teardown(() => kube.stop());
  return { kube, ...clientsFor(kube.kubeconfig) };
}

function lease(holder: string, renewTime: Date = new V1MicroTime()): V1Lease {
  return {
    metadata: { name: 'scheduler-leader', namespace },
    spec: {
      holderIdentity: holder,
      leaseDurationSeconds: 15,
      acquireTime: renewTime,
      renewTime,
      leaseTransitions: 0,
    },
  };
}

test('a lease is created, read back and renewed by replacing it at its current resourceVersion', async (t) => {
  const { coordination } = await setup(t);

  const created = await coordination.createNamespacedLease({ namespace, body: lease('a') });
  const read = await coordination.readNamespacedLease({ name: 'scheduler-leader', namespace });
  const renewed = await coordination.replaceNamespacedLease({
    name: 'scheduler-leader',
    namespace,
    body: { ...read, spec: { ...read.spec, renewTime: new V1MicroTime() } },
  });

  t.is(read.spec?.holderIdentity, 'a');
  t.true(Number(renewed.metadata?.resourceVersion) > Number(created.metadata?.resourceVersion));
  // client-node has no deserializer for MicroTime: it comes back as the server's string.
  t.regex(String(read.spec?.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});

test('of two contenders replacing the same lease version, one wins and the other gets 409 Conflict', async (t) => {
  const { coordination } = await setup(t);
  await coordination.createNamespacedLease({ namespace, body: lease('old-leader') });
  const seenByA = await coordination.readNamespacedLease({ name: 'scheduler-leader', namespace });
  const seenByB = await coordination.readNamespacedLease({ name: 'scheduler-leader', namespace });
  const takeOver = (seen: V1Lease, holder: string) =>
    coordination.replaceNamespacedLease({
      name: 'scheduler-leader',
      namespace,
      body: { ...seen, spec: { ...seen.spec, holderIdentity: holder, renewTime: new V1MicroTime() } },
    });

  await takeOver(seenByA, 'a');
  const loser = await apiError(takeOver(seenByB, 'b'));
  const final = await coordination.readNamespacedLease({ name: 'scheduler-leader', namespace });

  t.is(loser.code, 409);
  t.is(loser.status?.reason, 'Conflict');
  t.regex(
    loser.status?.message ?? '',
    /leases\.coordination\.k8s\.io "scheduler-leader": the object has been modified/,
  );
  t.is(final.spec?.holderIdentity, 'a');
});

test('creating a lease that exists is 409 AlreadyExists', async (t) => {
  const { coordination } = await setup(t);
  await coordination.createNamespacedLease({ namespace, body: lease('a') });

  const second = await apiError(coordination.createNamespacedLease({ namespace, body: lease('b') }));

  t.is(second.code, 409);
  t.is(second.status?.reason, 'AlreadyExists');
});

test('a plain Date as renewTime (three fractional digits) is rejected with 400, as the API server does', async (t) => {
  const { coordination } = await setup(t);

  const rejected = await apiError(
    coordination.createNamespacedLease({ namespace, body: lease('a', new Date()) }),
  );

  t.is(rejected.code, 400);
  t.regex(rejected.status?.message ?? '', /cannot be handled as a Lease: parsing time/);
});
