// Attempts the executor still holds that belong to no live job attempt (a pod whose job finished, was
// deleted, or moved on to a later attempt) are removed. An attempt of a job that is still STARTING or
// RUNNING with that attempt number is not an orphan: its job waits to be re-attached by a driver.
import type { Executor } from './executors/executor.ts';
import type { JobStatus } from './job-record.ts';
import type { JobStore } from './store/job-store.ts';

const ACTIVE: readonly JobStatus[] = ['STARTING', 'RUNNING'];

export async function removeOrphans(
  store: JobStore,
  executor: Executor,
  log?: (message: string) => void,
  now: () => number = Date.now,
): Promise<number> {
  if (!executor.undriven || !executor.removeOrphan) return 0;
  let removed = 0;
  for (const candidate of executor.undriven()) {
    if (candidate.keepUntil !== undefined && now() < candidate.keepUntil) continue; // kept for its logs
    const record = await store.get(candidate.jobId);
    const current = record?.attempts.at(-1);
    const live =
      record !== undefined &&
      ACTIVE.includes(record.status) &&
      current?.number === candidate.attempt &&
      current.stoppedAt === undefined;
    // Finished but uncollected attempts of live records are left for their driver to collect.
    if (live) continue;
    // Re-check: a driver may have attached to it while the record was read.
    if (!executor.undriven().some((u) => u.name === candidate.name)) continue;
    try {
      await executor.removeOrphan(candidate);
      removed++;
      log?.(
        `removed ${candidate.name}: ${record ? `job is ${record.status}, attempt ${current?.number ?? '-'}` : 'no such job'}`,
      );
    } catch (error) {
      log?.(`could not remove ${candidate.name}: ${(error as Error).message}`);
    }
  }
  return removed;
}
