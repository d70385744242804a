// "No accepted job is ever lost": every job that is not finished must have a BullMQ entry that will
// deliver it to a worker. A crash between storing a job and enqueueing it leaves one without; so does a
// BullMQ entry that ended while the record did not. Run at leader start and periodically.
import type { JobStatus } from './job-record.ts';
import type { JobQueues } from './store/job-queues.ts';
import type { JobStore } from './store/job-store.ts';

const UNFINISHED: readonly JobStatus[] = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'];

export async function recoverQueuedJobs(
  store: JobStore,
  queues: JobQueues,
  log?: (message: string) => void,
): Promise<number> {
  let requeued = 0;
  for (const id of await store.idsInStatus(UNFINISHED)) {
    const record = await store.get(id);
    if (!record || !queues.has(record.spec.queue) || (await queues.isQueued(record))) continue;
    await queues.enqueue(record);
    requeued++;
  }
  if (requeued > 0) log?.(`recovered ${requeued} job(s) that had no queue entry`);
  return requeued;
}
