// `leaderElection:` in the service config: the Redis lock alone (one machine, docker compose), or a
// Kubernetes Lease that decides who may then take the Redis lock (Deployments with standby replicas).
import { z } from 'zod';

const seconds = z.number().positive().max(300);

export const LeaseElectionSchema = z.strictObject({
  type: z.literal('kubernetes-lease'),
  leaseName: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a DNS subdomain name')
    .max(253)
    .default('gpubatch-scheduler'),
  /** Default: POD_NAMESPACE, else the namespace of the pod's service account. */
  namespace: z.string().min(1).optional(),
  /** A standby takes over once the holder has not renewed for this long. */
  leaseDurationSeconds: seconds.default(10),
  /** The holder steps down when it could not renew for this long (less than the lease duration). */
  renewDeadlineSeconds: seconds.default(7),
  /** How often the holder renews and a standby looks at the Lease. */
  retryPeriodSeconds: seconds.default(2),
});

export const LeaderElectionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('redis') }),
  LeaseElectionSchema,
]);

export type LeaderElectionConfig = z.output<typeof LeaderElectionSchema>;
export type LeaseElectionConfig = z.output<typeof LeaseElectionSchema>;

/**
 * The longest a dead leader goes unreplaced: a standby first sees the last renewal up to one retry period
 * late, waits a lease duration from then, and looks again at most one retry period later.
 */
export function worstCaseTakeoverSeconds(lease: LeaseElectionConfig): number {
  return lease.leaseDurationSeconds + 2 * lease.retryPeriodSeconds;
}

/** Cross-field rules the schema cannot say; an error message naming the field, or undefined. */
export function leaseTimingProblem(lease: LeaseElectionConfig): string | undefined {
  if (lease.renewDeadlineSeconds >= lease.leaseDurationSeconds)
    return 'leaderElection.renewDeadlineSeconds must be less than leaseDurationSeconds (the holder must step down before a standby may take over)';
  if (lease.retryPeriodSeconds >= lease.renewDeadlineSeconds)
    return 'leaderElection.retryPeriodSeconds must be less than renewDeadlineSeconds (several renewal tries before stepping down)';
  return undefined;
}
