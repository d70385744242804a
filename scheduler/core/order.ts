// The order in which pending jobs are offered to the cluster within one cycle: queue priority first, then
// fair share between share identifiers (decided as the cycle goes, see FairOrder), then job priority,
// submission time and id.
import { type FairShareLedger, requestUsage } from './fair-share.ts';
import { MinHeap } from './min-heap.ts';
import type { PendingJob } from './types.ts';

/**
 * The static part of the order: queue priority descending, then priority descending, then submittedAt
 * ascending (FIFO), then id, so the order is total. Within one share this is the order jobs are served in.
 */
export function comparePending(a: PendingJob, b: PendingJob): number {
  const queueA = a.queuePriority ?? 0;
  const queueB = b.queuePriority ?? 0;
  if (queueA !== queueB) return queueB - queueA;
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.submittedAt !== b.submittedAt) return a.submittedAt - b.submittedAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A sorted copy by comparePending (no fair share); the input array is left as it was. */
export function orderPending(pending: readonly PendingJob[]): PendingJob[] {
  return [...pending].sort(comparePending);
}

/** Gang size as a positive whole number (a missing or odd value is an ordinary job). */
export function membersOf(job: PendingJob): number {
  const nodes = job.nodes ?? 1;
  return Number.isFinite(nodes) && nodes > 1 ? Math.floor(nodes) : 1;
}

export function shareOf(job: { share?: string }): string {
  return job.share ?? '';
}

interface ShareQueue {
  /** The fair-share key (fairShareKey): the share, or `queue/share` under a queue's own policy. */
  share: string;
  jobs: PendingJob[];
  next: number;
  /** The share's fair-share value when it was queued. */
  value: number;
}

/**
 * Serves jobs one at a time: within a queue priority, from the share with the lowest fair-share value; a
 * placed job (reported with placed()) raises its share's value before the next pick (progressive filling).
 * Sorting costs O(n log n) once; each pick costs O(log shares).
 */
export class FairOrder {
  readonly #ledger: FairShareLedger;
  /** Queue-priority tiers, highest first; each maps shares to their jobs in comparePending order. */
  readonly #tiers: ShareQueue[][];
  #tier = -1;
  readonly #heap = new MinHeap<ShareQueue>(
    (a, b) => a.value < b.value || (a.value === b.value && a.share < b.share),
  );
  #current: ShareQueue | undefined;

  constructor(pending: readonly PendingJob[], ledger: FairShareLedger) {
    this.#ledger = ledger;
    const tiers = new Map<number, Map<string, ShareQueue>>();
    for (const job of orderPending(pending)) {
      const queuePriority = job.queuePriority ?? 0;
      let shares = tiers.get(queuePriority);
      if (shares === undefined) {
        shares = new Map();
        tiers.set(queuePriority, shares);
      }
      const share = ledger.keyOf(job);
      let queue = shares.get(share);
      if (queue === undefined) {
        queue = { share, jobs: [], next: 0, value: 0 };
        shares.set(share, queue);
      }
      queue.jobs.push(job);
    }
    this.#tiers = [...tiers.entries()].sort(([a], [b]) => b - a).map(([, shares]) => [...shares.values()]);
  }

  next(): PendingJob | undefined {
    const current = this.#current;
    this.#current = undefined;
    if (current !== undefined && current.next < current.jobs.length) this.#enqueue(current);
    while (this.#heap.size === 0) {
      this.#tier++;
      const tier = this.#tiers[this.#tier];
      if (tier === undefined) return undefined;
      // Values are read when a tier starts, so placements in higher tiers count.
      for (const queue of tier) this.#enqueue(queue);
    }
    const queue = this.#heap.pop()!;
    this.#current = queue;
    return queue.jobs[queue.next++];
  }

  /** The job last returned by next() was placed: its share now holds its resources. */
  placed(job: PendingJob): void {
    this.#ledger.charge(job, requestUsage(job.resources, membersOf(job)));
  }

  #enqueue(queue: ShareQueue): void {
    queue.value = this.#ledger.value(queue.share);
    this.#heap.push(queue);
  }
}
