import type { FairSharePolicy } from './config.ts';
import type { QueueFairSharePolicy } from './core/types.ts';

// How a job queue is scheduled (its stored definition, scheduler/store/queue-registry.ts), as the driver and
// loop need it.

export interface QueueSettings {
  /** Higher-priority queues are served first. */
  priority: number;
  /** Its jobs may preempt lower-priority preemptible running jobs. */
  canPreempt: boolean;
  /** Its running jobs may be preempted. */
  preemptible: boolean;
  /** Jobs waiting RUNNABLE longer than this are cancelled with a reason (none when absent). */
  maxRunnableSeconds?: number;
  /** At most this many of its jobs hold capacity at once (the placement loop offers no more); no cap when absent. */
  maxConcurrentJobs?: number;
  /** The compute environment it feeds first (the stored definition's). */
  computeEnvironment?: string;
  /** The compute environments it feeds, in order. */
  computeEnvironments?: string[];
  /** Its own fair share between its shares; absent: the scheduler-wide weights and half-life. */
  fairSharePolicy?: FairSharePolicy;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = { priority: 0, canPreempt: false, preemptible: true };

/** The core's form of a queue's policy (weights by share, half-life in ms, reservation in percent). */
export function corePolicy(policy: FairSharePolicy): QueueFairSharePolicy {
  return {
    weights: policy.shareWeights,
    halfLifeMs: policy.shareDecaySeconds * 1000,
    computeReservation: policy.computeReservation,
  };
}

/** The compute environments a queue feeds, in order; `fallback` (the first served) when it names none. */
export function queueEnvironmentsOf(settings: QueueSettings, fallback: string): string[] {
  return (
    settings.computeEnvironments ?? (settings.computeEnvironment ? [settings.computeEnvironment] : [fallback])
  );
}
