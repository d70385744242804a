// Chooses the leader election from `leaderElection:` in the config. The Kubernetes Lease mode needs a
// namespace and a unique identity, found here from the pod's environment (downward API, service account).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Redis } from 'ioredis';
import { ConfigError } from './config.ts';
import { type Elector, type ElectorHooks, LeaderElection } from './leader.ts';
import type { LeaderElectionConfig } from './leader-election-config.ts';
import { LeaseLock } from './leader-lease.ts';
import { LeaseElection } from './lease-election.ts';
import type { Keys } from './store/keys.ts';

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export type MakeElector = (redis: Redis, keys: Keys, hooks: ElectorHooks) => Elector;

export interface ElectorContext {
  env: NodeJS.ProcessEnv;
  /** Kubeconfig text; default: KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
  kubeconfig?: string;
  now?: () => number;
}

/** undefined for the Redis lock alone (the scheduler's default). */
export function electorFor(config: LeaderElectionConfig, context: ElectorContext): MakeElector | undefined {
  if (config.type === 'redis') return undefined;
  const namespace = config.namespace ?? context.env.POD_NAMESPACE ?? serviceAccountNamespace();
  if (!namespace) {
    throw new ConfigError(
      'leaderElection.namespace: not set, no POD_NAMESPACE and no service account namespace file; set one of them',
    );
  }
  const kc = new KubeConfig();
  if (context.kubeconfig) kc.loadFromString(context.kubeconfig);
  else kc.loadFromDefault();
  const coordination = kc.makeApiClient(CoordinationV1Api);
  // Unique even when a restarted pod keeps its name: the old process's term must not be mistaken for ours.
  const identity = `${context.env.POD_NAME || hostname()}_${randomUUID().slice(0, 8)}`;
  const ms = (seconds: number) => Math.round(seconds * 1000);
  return (redis, keys, hooks) =>
    new LeaseElection(
      new LeaseLock({
        coordination,
        name: config.leaseName,
        namespace,
        identity,
        leaseDurationMs: ms(config.leaseDurationSeconds),
        now: context.now,
        log: hooks.log,
      }),
      // The Redis lock lives no longer than the Lease: a dead holder's lock is gone by the time a standby
      // may take the Lease (and it seizes it anyway).
      new LeaderElection(redis, keys, {
        mode: 'seize',
        holderId: identity,
        ttlMs: ms(config.leaseDurationSeconds),
        now: context.now,
      }),
      {
        renewDeadlineMs: ms(config.renewDeadlineSeconds),
        retryPeriodMs: ms(config.retryPeriodSeconds),
        now: context.now,
        ...hooks,
      },
    );
}

function serviceAccountNamespace(): string | undefined {
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
