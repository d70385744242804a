// BullMQ queues, one per job queue: the durable hand-off between the API and the scheduler leader.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobRecord } from '../job-record.ts';
import { BULL_PREFIX } from './keys.ts';

/** BullMQ runs lower numbers first (1 is highest); gpubatch priority runs higher numbers first. */
export function bullPriority(priority: number): number {
  return 1001 - priority;
}

export class JobQueues {
  private readonly queues = new Map<string, Queue>();
  constructor(connection: Redis, names: readonly string[]) {
    for (const name of names) this.queues.set(name, new Queue(name, { connection, prefix: BULL_PREFIX }));
  }

  names(): string[] {
    return [...this.queues.keys()];
  }

  has(name: string): boolean {
    return this.queues.has(name);
  }

  /** Idempotent: the BullMQ job id is the gpubatch job id, so adding twice keeps one entry. */
  async enqueue(record: JobRecord): Promise<void> {
    const queue = this.queue(record.spec.queue);
    await queue.add(
      'attempt',
      { jobId: record.id },
      {
        jobId: record.id,
        priority: bullPriority(record.spec.priority),
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  /** Whether BullMQ still holds an entry that will (re)deliver this job to a worker. */
  async isQueued(record: JobRecord): Promise<boolean> {
    const state = await this.queue(record.spec.queue).getJobState(record.id);
    return state === 'waiting' || state === 'active' || state === 'delayed' || state === 'prioritized';
  }

  queue(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`unknown queue ${name}`);
    return queue;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }
}
