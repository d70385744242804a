// Finished jobs (SUCCEEDED/FAILED) are kept `retention.finishedJobDays` after they finish, then the
// leader deletes them in bounded batches, so Redis memory stays at what the retention window holds.
import type { JobStore } from './store/job-store.ts';

export interface RetentionSweepOptions {
  store: Pick<JobStore, 'expireFinished'>;
  now: () => number;
  /** How long a finished job is kept, ms. */
  retentionMs: number;
  /** Records deleted per Lua script (an array counts its children): bounds how long Redis is busy at once. */
  batchSize: number;
  /** Checked before each batch: a leader that stepped down or is stopping stops sweeping. */
  shouldContinue?: () => boolean;
}

/** Deletes every job that finished more than `retentionMs` ago; returns how many. */
export async function sweepExpiredJobs(options: RetentionSweepOptions): Promise<number> {
  const cutoff = options.now() - options.retentionMs;
  let expired = 0;
  while (options.shouldContinue?.() ?? true) {
    const batch = await options.store.expireFinished(cutoff, options.batchSize);
    expired += batch.expired;
    if (!batch.more) break;
    await new Promise((resolve) => setImmediate(resolve)); // let other work on this process run between batches
  }
  return expired;
}
