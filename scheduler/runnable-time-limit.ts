// A queue's maxRunnableSeconds (AWS Batch's jobStateTimeLimitActions for RUNNABLE): the leader cancels jobs
// that have waited RUNNABLE longer, so a job that can never start does not wait forever.
import type { JobRecord } from './job-record.ts';
import type { QueueSettings } from './queue-settings.ts';
import type { JobStore } from './store/job-store.ts';

/** Since when a RUNNABLE job has been waiting to be placed: its last RUNNABLE event, or its backoff's end. */
export function runnableSince(record: JobRecord): number | undefined {
  const entered = record.events.findLast((e) => e.status === 'RUNNABLE')?.at;
  if (entered === undefined) return undefined;
  return Math.max(entered, record.notBefore ?? entered);
}

/** The cancel reason when `record` has waited RUNNABLE past its queue's limit at `now`; else undefined. */
export function runnableLimitReason(
  record: JobRecord,
  settings: QueueSettings,
  now: number,
): string | undefined {
  const limit = settings.maxRunnableSeconds;
  const since = runnableSince(record);
  if (record.status !== 'RUNNABLE' || limit === undefined || since === undefined) return undefined;
  if (now - since <= limit * 1000) return undefined;
  return (
    `Cancelled: RUNNABLE for more than ${limit} s (maxRunnableSeconds of queue ${record.spec.queue}); ` +
    `it was waiting because: ${record.statusReason}`
  );
}

export interface RunnableSweepDeps {
  store: JobStore;
  queueSettings: (queue: string) => QueueSettings;
  now: () => number;
  fence: () => string | undefined;
  /** Called for each job cancelled, so the leader drops it from its look-ahead window. */
  onCancelled: (jobId: string, reason: string) => void;
}

/**
 * One pass over the RUNNABLE jobs: each past its queue's limit becomes FAILED with `isCancelled`. The
 * check is repeated inside the compare-and-set write, so a job placed meanwhile is left alone.
 */
export async function sweepRunnableTimeLimits(deps: RunnableSweepDeps): Promise<number> {
  let cancelled = 0;
  for (const id of await deps.store.idsInStatus(['RUNNABLE'])) {
    const fence = deps.fence();
    if (fence === undefined) return cancelled;
    let reason: string | undefined;
    const record = await deps.store.update(
      id,
      (r) => {
        const now = deps.now();
        reason = runnableLimitReason(r, deps.queueSettings(r.spec.queue), now);
        if (!reason) return undefined;
        r.status = 'FAILED';
        r.statusReason = reason;
        r.stoppedAt = now;
        r.isCancelled = true;
        delete r.notBefore;
        r.events.push({ at: now, status: 'FAILED', reason });
        return r;
      },
      { fence },
    );
    if (record?.status === 'FAILED' && reason) {
      cancelled++;
      deps.onCancelled(id, reason);
    }
  }
  return cancelled;
}
