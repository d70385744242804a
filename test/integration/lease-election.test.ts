// Leader election through a coordination.k8s.io Lease on the fake API server, driven through the real
// @kubernetes/client-node, with the Redis fencing token behind it. Timings are scaled down (lease 1 s,
// renew deadline 0.7 s, retry 0.2 s) from the production defaults (10 s, 7 s, 2 s); the bound a standby
// must meet is the same formula, worstCaseTakeoverSeconds.
import type { CoordinationV1Api } from '@kubernetes/client-node';
import test, { type ExecutionContext } from 'ava';
import { electorFor } from '../../scheduler/elector-factory.ts';
import { LeaderElection } from '../../scheduler/leader.ts';
import {
  type LeaseElectionConfig,
  worstCaseTakeoverSeconds,
} from '../../scheduler/leader-election-config.ts';
import { LeaseLock } from '../../scheduler/leader-lease.ts';
import { LeaseElection } from '../../scheduler/lease-election.ts';
import { FencedError } from '../../scheduler/store/errors.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { keys } from '../../scheduler/store/keys.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { clientsFor } from '../support/fake-kube/clients.ts';
import { startFakeKube } from '../support/fake-kube/index.ts';
import { testRedis } from '../support/redis-server.ts';

const namespace = 'gpubatch';
const timings = { leaseDurationMs: 1000, renewDeadlineMs: 700, retryPeriodMs: 200 };
const config: LeaseElectionConfig = {
  type: 'kubernetes-lease',
  leaseName: 'gpubatch-scheduler',
  namespace,
  leaseDurationSeconds: 1,
  renewDeadlineSeconds: 0.7,
  retryPeriodSeconds: 0.2,
};
const boundMs = worstCaseTakeoverSeconds(config) * 1000;
/** Timers and requests under a loaded test machine run late; this much is allowed beyond the bound. */
const SLACK_MS = 800;

/** A client whose API calls can be cut off, as a network partition between one pod and the API server. */
function cuttable(api: CoordinationV1Api) {
  const state = { cut: false };
  const client = new Proxy(api, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        state.cut
          ? Promise.reject(new Error('connect ETIMEDOUT (cut off from the API server)'))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return { client, state };
}

async function setup(t: ExecutionContext) {
  const kube = await startFakeKube({ kubelet: false, namespace });
  const redis = await testRedis();
  const connections = [connect(redis.url)];
  const electors: LeaseElection[] = [];
  const stopCampaigns = new AbortController();
  t.teardown(async () => {
    stopCampaigns.abort();
    for (const elector of electors) elector.abandon();
    for (const connection of connections) connection.disconnect();
    await kube.stop();
    await redis.stop();
  });
  const store = new JobStore(connections[0]!);
  const lostAt = new Map<string, number>();
  const elector = (identity: string) => {
    const { coordination } = clientsFor(kube.kubeconfig);
    const api = cuttable(coordination);
    const connection = connect(redis.url);
    connections.push(connection);
    const election = new LeaseElection(
      new LeaseLock({
        coordination: api.client,
        name: 'gpubatch-scheduler',
        namespace,
        identity,
        ...timings,
      }),
      new LeaderElection(connection, keys(), {
        mode: 'seize',
        holderId: identity,
        ttlMs: timings.leaseDurationMs,
      }),
      { ...timings, onLost: () => lostAt.set(identity, Date.now()) },
    );
    electors.push(election);
    return { election, api, acquire: () => election.acquire(stopCampaigns.signal) };
  };
  /** Samples who holds leadership every 5 ms; `overlaps` counts samples where both claimed it. */
  const watch = (a: LeaseElection, b: LeaseElection) => {
    const seen = { overlaps: 0 };
    const timer = setInterval(() => {
      if (a.isHolding && b.isHolding) seen.overlaps++;
    }, 5);
    t.teardown(() => clearInterval(timer));
    return seen;
  };
  return { kube, store, elector, watch, lostAt, coordination: clientsFor(kube.kubeconfig).coordination };
}

test('a standby takes over within the bound once the leader stops renewing (crashed), and not before the lease ran out', async (t) => {
  const { elector, store, watch, coordination } = await setup(t);
  const a = elector('scheduler-a');
  const b = elector('scheduler-b');
  const fenceA = await a.acquire();
  const seen = watch(a.election, b.election);
  const bAcquired = b.acquire().then(() => Date.now());
  await new Promise((r) => setTimeout(r, 500)); // b observes a renewing for a while

  const diedAt = Date.now();
  a.election.abandon(); // no more renewals, nothing handed back: a crash
  const takenAt = await bAcquired;
  const lease = await coordination.readNamespacedLease({ name: 'gpubatch-scheduler', namespace });

  t.is(lease.spec?.holderIdentity, 'scheduler-b');
  t.is(lease.spec?.leaseTransitions, 1);
  t.true(takenAt - diedAt <= boundMs + SLACK_MS, `took over ${takenAt - diedAt} ms after the leader died`);
  // b saw a's last renewal at the earliest when it was made (at most one retry period before the death).
  t.true(
    takenAt - diedAt >= timings.leaseDurationMs - timings.retryPeriodMs,
    `too early: ${takenAt - diedAt} ms`,
  );
  t.is(seen.overlaps, 0);
  t.true(Number(b.election.fence) > Number(fenceA));
  // The crashed leader's token is stale: anything it still sends is refused by the store.
  await t.throwsAsync(store.saveFairShareUsage({ usage: {}, at: 0 }, fenceA), { instanceOf: FencedError });
  await t.notThrowsAsync(store.saveFairShareUsage({ usage: {}, at: 0 }, b.election.fence!));
});

test('a leader cut off from the API server steps down at its renew deadline, before the standby takes over', async (t) => {
  const { elector, watch, lostAt, store } = await setup(t);
  const a = elector('scheduler-a');
  const b = elector('scheduler-b');
  const fenceA = await a.acquire();
  const seen = watch(a.election, b.election);
  const bAcquired = b.acquire().then(() => Date.now());
  await new Promise((r) => setTimeout(r, 300));

  const cutAt = Date.now();
  a.api.state.cut = true; // a still runs and still reaches Redis, but cannot renew the Lease
  const takenAt = await bAcquired;

  const aLost = lostAt.get('scheduler-a');
  t.truthy(aLost, 'a stepped down by itself');
  t.true(aLost! < takenAt, `a stepped down at +${aLost! - cutAt} ms, b took over at +${takenAt - cutAt} ms`);
  t.true(aLost! - cutAt <= timings.renewDeadlineMs + timings.retryPeriodMs + SLACK_MS);
  t.true(takenAt - cutAt <= boundMs + SLACK_MS, `took over ${takenAt - cutAt} ms after the cut`);
  t.is(seen.overlaps, 0);
  t.false(a.election.isHolding);
  await t.throwsAsync(store.saveFairShareUsage({ usage: {}, at: 0 }, fenceA), { instanceOf: FencedError });
});

test('a leader that gives the Lease back is replaced within a retry period, without waiting for the lease to run out', async (t) => {
  const { elector, watch } = await setup(t);
  const a = elector('scheduler-a');
  const b = elector('scheduler-b');
  await a.acquire();
  const seen = watch(a.election, b.election);
  const bAcquired = b.acquire().then(() => Date.now());
  await new Promise((r) => setTimeout(r, 300));

  const releasedAt = Date.now();
  await a.election.release();
  const takenAt = await bAcquired;

  t.true(takenAt - releasedAt < timings.leaseDurationMs, `took ${takenAt - releasedAt} ms`);
  t.is(seen.overlaps, 0);
});

test('of two schedulers starting at once with no Lease yet, exactly one leads', async (t) => {
  const { elector, watch } = await setup(t);
  const a = elector('scheduler-a');
  const b = elector('scheduler-b');
  const seen = watch(a.election, b.election);

  const first = await Promise.race([a.acquire(), b.acquire()]);
  await new Promise((r) => setTimeout(r, 3 * timings.retryPeriodMs)); // the other keeps looking meanwhile

  t.truthy(first);
  t.is(Number(a.election.isHolding) + Number(b.election.isHolding), 1);
  t.is(seen.overlaps, 0);
});

test('in seize mode the Redis lock is taken from whoever holds it, and a deposed holder never re-takes it by renewing', async (t) => {
  const redis = await testRedis();
  const [one, two] = [connect(redis.url), connect(redis.url)];
  t.teardown(async () => {
    one.disconnect();
    two.disconnect();
    await redis.stop();
  });
  const seize = (connection: typeof one, holderId: string) =>
    new LeaderElection(connection, keys(), { mode: 'seize', holderId, ttlMs: 300 });
  const a = seize(one, 'a');
  const b = seize(two, 'b');

  const fenceA = await a.tryAcquire();
  t.is(await a.tryAcquire(), fenceA, 'renewing keeps the token');
  const fenceB = await b.tryAcquire(); // b was made leader by the Lease: it does not wait for a's lock
  t.true(Number(fenceB) > Number(fenceA));
  t.is(await a.tryAcquire(), undefined, 'a finds another holder when it renews');

  await new Promise((r) => setTimeout(r, 400)); // b's lock lapses too
  t.is(await b.tryAcquire(), undefined, 'a lapsed lock is not re-taken by a renewal');
});

test('electorFor builds the Lease election from config and the pod environment', async (t) => {
  const { kube, coordination } = await setup(t);
  const redis = await testRedis();
  const connection = connect(redis.url);
  t.teardown(async () => {
    connection.disconnect();
    await redis.stop();
  });
  const make = electorFor(config, {
    env: { POD_NAME: 'gpubatch-scheduler-7d9f' },
    kubeconfig: kube.kubeconfig,
  });
  const election = make!(connection, keys(), {});
  t.teardown(() => election.release());

  const fence = await election.acquire();
  const lease = await coordination.readNamespacedLease({ name: 'gpubatch-scheduler', namespace });

  t.truthy(fence);
  t.regex(lease.spec?.holderIdentity ?? '', /^gpubatch-scheduler-7d9f_[0-9a-f]{8}$/);
  t.is(lease.spec?.leaseDurationSeconds, 1);
  t.is(
    electorFor({ type: 'redis' }, { env: {} }),
    undefined,
    'the Redis lock alone needs nothing from Kubernetes',
  );
});
