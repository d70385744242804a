// Job counts for the metrics, from the status and queue indexes without reading any record: per status
// ZCARD (O(1)), and per queue and waiting/running status ZINTERCARD, which walks the smaller set (the
// status set: the jobs waiting or running, not the history). Finished jobs are counted per status only:
// their intersection with a queue would walk every finished job of the queue at each scrape.
import type { Redis } from 'ioredis';
import { JOB_STATUSES, type JobStatus, TERMINAL_STATUSES } from '../job-record.ts';
import type { Keys } from './keys.ts';

/** `queue` absent: all queues (every status); present: that queue (waiting and running statuses). */
export interface JobCount {
  queue?: string;
  status: JobStatus;
  count: number;
}

const ACTIVE_STATUSES = JOB_STATUSES.filter((s) => !TERMINAL_STATUSES.includes(s));

export async function countJobs(redis: Redis, keys: Keys, queues: readonly string[]): Promise<JobCount[]> {
  const pipeline = redis.pipeline();
  const order: Array<{ queue?: string; status: JobStatus }> = [];
  for (const status of JOB_STATUSES) {
    pipeline.zcard(keys.byStatus(status));
    order.push({ status });
  }
  for (const queue of queues)
    for (const status of ACTIVE_STATUSES) {
      pipeline.zintercard(2, keys.byStatus(status), keys.byQueue(queue));
      order.push({ queue, status });
    }
  const replies = (await pipeline.exec()) ?? [];
  return order.map((at, i) => {
    const [error, count] = replies[i] ?? [new Error('no reply'), 0];
    if (error) throw error;
    return { ...at, count: Number(count) };
  });
}
