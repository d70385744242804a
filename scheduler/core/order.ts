// The order in which pending jobs are offered to the cluster within one cycle.
import type { PendingJob } from './types.ts';

/** Priority descending, then submittedAt ascending (FIFO), then id, so the order is total. */
export function comparePending(a: PendingJob, b: PendingJob): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.submittedAt !== b.submittedAt) return a.submittedAt - b.submittedAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A sorted copy; the input array is left as it was. */
export function orderPending(pending: readonly PendingJob[]): PendingJob[] {
  return [...pending].sort(comparePending);
}
