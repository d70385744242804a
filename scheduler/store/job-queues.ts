// BullMQ queues, a few per job queue (one per size lane): the durable hand-off between the API and the
// scheduler leader.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobRecord } from '../job-record.ts';
import { LANES, type Lane, laneOf, laneQueueName } from '../lanes.ts';
import { BULL_PREFIX } from './keys.ts';

/** BullMQ runs lower numbers first (1 is highest); gpubatch priority runs higher numbers first. */
export function bullPriority(priority: number): number {
  return 1001 - priority;
}

/** BullMQ forbids ':' in job ids, which an array child's id has ("<parentId>:<index>"). */
export function bullJobId(jobId: string): string {
  return jobId.replaceAll(':', '.');
}

/** BullMQ states from which an entry will still be delivered to a worker. */
const DELIVERING_STATES = ['waiting', 'active', 'delayed', 'prioritized'] as const;

export class JobQueues {
  /** BullMQ queues by BullMQ name; each belongs to one job queue. */
  private readonly queues = new Map<string, { queue: Queue; jobQueue: string; lane: Lane }>();
  private readonly jobQueues: string[] = [];
  private readonly connection: Redis;
  constructor(connection: Redis, names: readonly string[]) {
    this.connection = connection;
    for (const name of names) this.add(name);
  }

  /** Adds a job queue (one created at run time); adding a known one does nothing. */
  add(name: string): void {
    if (this.jobQueues.includes(name)) return;
    this.jobQueues.push(name);
    for (const lane of LANES) {
      const bullName = laneQueueName(name, lane);
      this.queues.set(bullName, {
        queue: new Queue(bullName, { connection: this.connection, prefix: BULL_PREFIX }),
        jobQueue: name,
        lane,
      });
    }
  }

  /** The job queues (what users name in a job spec). */
  names(): string[] {
    return [...this.jobQueues];
  }

  has(name: string): boolean {
    return this.jobQueues.includes(name);
  }

  /** Every BullMQ queue with the job queue it belongs to: the scheduler runs one worker per entry. */
  lanes(): { bullName: string; jobQueue: string; lane: Lane }[] {
    return [...this.queues].map(([bullName, { jobQueue, lane }]) => ({ bullName, jobQueue, lane }));
  }

  /** The BullMQ queues themselves, for read-only inspection (the admin queue board, scheduler/queue-board.ts). */
  bullQueues(): { bullName: string; jobQueue: string; lane: Lane; queue: Queue }[] {
    return [...this.queues].map(([bullName, entry]) => ({ bullName, ...entry }));
  }

  /** Idempotent: the BullMQ job id is the gpubatch job id, so adding twice keeps one entry. */
  async enqueue(record: JobRecord): Promise<void> {
    const queue = this.queueOf(record);
    await queue.add(
      'attempt',
      { jobId: record.id },
      {
        jobId: bullJobId(record.id),
        priority: bullPriority(record.spec.priority),
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  /**
   * Whether BullMQ still holds an entry that will (re)deliver this job to a worker: in its lane, or, for a
   * job queued before lanes existed (they all went to the job queue's own BullMQ queue), in that one.
   */
  async isQueued(record: JobRecord): Promise<boolean> {
    const queued = async (queue: Queue) =>
      (DELIVERING_STATES as readonly string[]).includes(await queue.getJobState(bullJobId(record.id)));
    if (await queued(this.queueOf(record))) return true;
    const base = this.queues.get(record.spec.queue)?.queue;
    return laneOf(record.spec) !== '' && base !== undefined && (await queued(base));
  }

  /**
   * The BullMQ ids of every entry that will (re)deliver a job, over all lanes of all queues, read a page at
   * a time: the recovery pass compares them with the unfinished jobs in one sweep instead of asking BullMQ
   * about each job. A snapshot: an entry that moves while it is read may be missed (never invented), so
   * callers check a job that looks unqueued again with isQueued.
   */
  async deliveringIds(pageSize = 10_000): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const { queue } of this.queues.values()) {
      for (const state of DELIVERING_STATES) {
        for (let start = 0; ; start += pageSize) {
          const page = await queue.getRanges([state], start, start + pageSize - 1);
          for (const id of page) ids.add(id);
          if (page.length < pageSize) break;
        }
      }
    }
    return ids;
  }

  private queueOf(record: JobRecord): Queue {
    const bullName = laneQueueName(record.spec.queue, laneOf(record.spec));
    const entry = this.queues.get(bullName);
    if (!entry) throw new Error(`unknown queue ${record.spec.queue}`);
    return entry.queue;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map(({ queue }) => queue.close()));
  }
}
