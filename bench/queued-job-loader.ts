// Bulk-loads waiting jobs exactly as a submission leaves them (JobService.submit: CREATE_JOB of the record
// already RUNNABLE, the BullMQ job in its lane), but pipelined a few thousand at a time, so a million take
// minutes, not the better part of an hour. Same store call, same BullMQ add options.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobSpec } from '../api/schemas/job-spec.ts';
import { runnableAtCreation } from '../scheduler/job-lifecycle.ts';
import { laneOf, laneQueueName } from '../scheduler/lanes.ts';
import { bullJobId, bullPriority } from '../scheduler/store/job-queues.ts';
import type { JobStore } from '../scheduler/store/job-store.ts';
import { BULL_PREFIX } from '../scheduler/store/keys.ts';
import { connect } from '../scheduler/store/redis.ts';
import { scriptLoader } from '../scheduler/store/run-script.ts';

export async function loadQueuedJobs(
  redisUrl: string,
  store: JobStore,
  redis: Redis,
  count: number,
  spec: (i: number) => JobSpec,
  progress: (done: number) => void,
  chunk = 2_000,
): Promise<void> {
  const connection = connect(redisUrl, { forWorkers: true });
  const lanes = new Map<string, Queue>();
  const laneQueue = (s: JobSpec) => {
    const name = laneQueueName(s.queue, laneOf(s));
    let queue = lanes.get(name);
    if (!queue) {
      queue = new Queue(name, { connection, prefix: BULL_PREFIX });
      lanes.set(name, queue);
    }
    return queue;
  };
  const sha = scriptLoader(redis);
  try {
    for (let start = 0; start < count; start += chunk) {
      const end = Math.min(count, start + chunk);
      const records = [];
      const pipeline = redis.pipeline();
      for (let i = start; i < end; i++) {
        const runnable = runnableAtCreation(store.submittedRecord(spec(i)));
        const call = store.createCall(runnable);
        pipeline.evalsha(await sha(call.script), call.keys.length, ...call.keys, ...call.args);
        records.push(runnable);
      }
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([error]) => error);
      if (failed) throw failed[0];
      const byLane = new Map<Queue, Parameters<Queue['addBulk']>[0]>();
      for (const record of records) {
        const queue = laneQueue(record.spec);
        const jobs = byLane.get(queue) ?? [];
        jobs.push({
          name: 'attempt',
          data: { jobId: record.id },
          opts: {
            jobId: bullJobId(record.id),
            priority: bullPriority(record.spec.priority),
            removeOnComplete: true,
            removeOnFail: true,
          },
        });
        byLane.set(queue, jobs);
      }
      for (const [queue, jobs] of byLane) await queue.addBulk(jobs);
      progress(end);
    }
  } finally {
    for (const queue of lanes.values()) await queue.close();
    connection.disconnect();
  }
}
