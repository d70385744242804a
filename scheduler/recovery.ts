// "No accepted job is ever lost": every job that is not finished must have a BullMQ entry that will
// deliver it to a worker. A crash between storing a job and enqueueing it leaves one without; so does a
// BullMQ entry that ended while the record did not. Run at leader start and periodically.
import type { Dependencies } from './dependencies.ts';
import type { JobRecord, JobStatus } from './job-record.ts';
import { bullJobId, type JobQueues } from './store/job-queues.ts';
import type { JobStore } from './store/job-store.ts';

const UNFINISHED: readonly JobStatus[] = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'];

export async function recoverQueuedJobs(
  store: JobStore,
  queues: JobQueues,
  log?: (message: string) => void,
): Promise<number> {
  let requeued = 0;
  const unfinished = await store.idsInStatus(UNFINISHED);
  if (unfinished.length === 0) return 0;
  // One sweep over BullMQ's entries, read after the ids so that a job stored and enqueued meanwhile is not
  // in `unfinished`; only jobs missing from it are read and asked about (each pass used to read every
  // unfinished job and ask BullMQ for its state: O(queued) round trips every 30 s).
  const delivering = await queues.deliveringIds();
  for (const id of unfinished) {
    if (delivering.has(bullJobId(id))) continue;
    const record = await store.get(id);
    if (!record || !UNFINISHED.includes(record.status)) continue; // finished since
    if (!queues.has(record.spec.queue) || waitsForDependencies(record)) continue;
    if (await queues.isQueued(record)) continue; // enqueued or moved while the entries were read
    await queues.enqueue(record);
    requeued++;
  }
  if (requeued > 0) log?.(`recovered ${requeued} job(s) that had no queue entry`);
  return requeued;
}

/** A PENDING job with dependencies, or an array parent, is moved on by the dependency outbox, not queued. */
function waitsForDependencies(record: JobRecord): boolean {
  return (
    record.status === 'PENDING' &&
    (record.spec.arraySize !== undefined || (record.spec.dependsOn ?? []).length > 0)
  );
}

/**
 * Repairs what a crash between a Lua step and its follow-up left: released array children that are not
 * RUNNABLE or not queued, arrays whose next release or finish was never looked at; then drains the outbox.
 */
export async function recoverDependencies(
  store: JobStore,
  queues: JobQueues,
  dependencies: Dependencies,
  log?: (message: string) => void,
): Promise<void> {
  let repaired = 0;
  for (const id of await store.idsInStatus(['PENDING'])) {
    if ((await store.graph.arrayCounts(id)) === undefined) continue;
    await store.graph.markArray(id);
    for (const child of await store.graph.inflightChildren(id)) {
      const record = await store.get(child);
      if (!record) continue;
      if (record.status === 'PENDING') {
        await dependencies.release(child);
        repaired++;
      } else if (
        record.status !== 'SUCCEEDED' &&
        record.status !== 'FAILED' &&
        !(await queues.isQueued(record))
      ) {
        await queues.enqueue(record);
        repaired++;
      }
    }
  }
  if (repaired > 0) log?.(`recovered ${repaired} released array child(ren) that were not queued`);
  await dependencies.drain();
}
