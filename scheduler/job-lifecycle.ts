// Small shared steps of the job lifecycle used by both the API side and the leader.
import type { JobRecord } from './job-record.ts';
import type { JobStore } from './store/job-store.ts';

/** SUBMITTED -> PENDING -> RUNNABLE in one atomic change (no dependencies exist yet), each with its event. */
export function makeRunnable(store: JobStore, id: string, now: () => number): Promise<JobRecord | undefined> {
  return store.update(id, (record) => toRunnable(record, now()));
}

/** The record moved to RUNNABLE at `at` (in place), or undefined when it is past waiting for that. */
export function toRunnable(record: JobRecord, at: number): JobRecord | undefined {
  if (record.status !== 'SUBMITTED' && record.status !== 'PENDING') return undefined;
  if (record.status === 'SUBMITTED') {
    record.events.push({ at, status: 'PENDING', reason: 'no dependencies to wait for' });
  }
  record.status = 'RUNNABLE';
  record.statusReason = `waiting in queue ${record.spec.queue} for capacity`;
  record.events.push({ at, status: 'RUNNABLE', reason: record.statusReason });
  return record;
}

/**
 * A new job with nothing to wait for, as a submission stores it: its SUBMITTED record taken on to RUNNABLE
 * at its creation time (one write: JobStore.create's `moveOn`).
 */
export function runnableAtCreation(submitted: JobRecord): JobRecord {
  return toRunnable(submitted, submitted.createdAt) ?? submitted;
}
