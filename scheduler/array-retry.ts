// "Retry only the failed children": a finished array job runs its FAILED children again, each with a
// fresh retry budget, and the parent waits (PENDING) until they finish. AWS Batch has no such call.
import { ConflictError } from '../api/errors.ts';
import { childId } from './array-children.ts';
import { type JobRecord, TERMINAL_STATUSES } from './job-record.ts';
import type { JobStore } from './store/job-store.ts';

const PARALLEL = 64;

/**
 * Children go back first (FAILED -> PENDING: the store puts those with their dependencies met in the
 * array's ready set), then the parent (-> PENDING), which lets the drain release them; a crash in
 * between leaves PENDING children under a finished parent, and calling again finishes the job.
 * A child whose N_TO_N dependency is still FAILED stays FAILED (retry that array first).
 * Returns undefined for an unknown id; ConflictError when there is nothing to retry.
 */
export async function retryFailedChildren(
  store: JobStore,
  id: string,
  now: () => number,
): Promise<JobRecord | undefined> {
  const parent = await store.get(id);
  if (!parent) return undefined;
  const size = parent.arrayProperties?.size;
  if (size === undefined) throw new ConflictError(`job ${id} is not an array job`);
  if (!TERMINAL_STATUSES.includes(parent.status)) {
    throw new ConflictError(
      `array job ${id} is still ${parent.status}: retry its failed children once it finished`,
    );
  }
  if ((await store.graph.unfinishedDependencies(id)) > 0) {
    throw new ConflictError(
      `array job ${id} never ran: one of its dependencies failed (${parent.statusReason})`,
    );
  }
  const counts = (await store.graph.arrayCounts(id))?.counts;
  if (!counts || counts.FAILED + counts.PENDING === 0) {
    throw new ConflictError(`array job ${id} has no failed children`);
  }
  let retried = 0;
  const retryOne = async (index: number) => {
    const child = await store.get(childId(id, index));
    if (child?.status !== 'FAILED' || (await partnerFailed(store, parent, index))) return;
    const at = now();
    const reason = 'retry of the failed children requested';
    const updated = await store.update(child.id, (r) => {
      if (r.status !== 'FAILED') return undefined;
      r.status = 'PENDING';
      r.statusReason = reason;
      r.retryBase = r.attempts.length;
      delete r.stoppedAt;
      delete r.terminateRequested;
      r.events.push({ at, status: 'PENDING', reason });
      return r;
    });
    if (updated?.status === 'PENDING') retried++;
  };
  for (let i = 0; i < size; i += PARALLEL) {
    await Promise.all(Array.from({ length: Math.min(PARALLEL, size - i) }, (_, k) => retryOne(i + k)));
  }
  const waiting = retried + counts.PENDING;
  if (waiting === 0)
    throw new ConflictError(`array job ${id}: no failed child can run again (their dependencies failed)`);
  const reason = `retrying ${waiting} failed children`;
  const record = await store.transition(id, {
    from: TERMINAL_STATUSES,
    to: 'PENDING',
    reason,
    patch: (r) => {
      delete r.stoppedAt;
    },
  });
  await store.graph.markArray(id);
  return record;
}

/** Whether child `index` waits on an N_TO_N partner that is FAILED (it would wait forever). */
async function partnerFailed(store: JobStore, parent: JobRecord, index: number): Promise<boolean> {
  for (const dependency of parent.spec.dependsOn ?? []) {
    if (dependency.type !== 'N_TO_N' || !dependency.jobId) continue;
    const partner = await store.get(childId(dependency.jobId, index));
    if (partner?.status === 'FAILED') return true;
  }
  return false;
}
