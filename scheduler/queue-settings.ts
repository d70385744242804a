// How a job queue is scheduled, as configured (scheduler/config.ts) and as the driver and loop need it.

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
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = { priority: 0, canPreempt: false, preemptible: true };

/** A lookup by queue name; unknown names get the defaults. */
export function queueSettingsLookup(
  queues: readonly (QueueSettings & { name: string })[],
): (queue: string) => QueueSettings {
  const byName = new Map(queues.map((q) => [q.name, q]));
  return (queue) => byName.get(queue) ?? DEFAULT_QUEUE_SETTINGS;
}
