// Jobs waiting for a place (the look-ahead window BullMQ workers hand us) and the cycle that places them
// with the pure core. Each waiter gets a Placement, or is dropped (cancel, shutdown).
import { Allocations } from './allocations.ts';
import { describeReason, schedule } from './core/index.ts';
import type { NodeState, PendingJob, Placement } from './core/types.ts';

export type WaitOutcome = { kind: 'placed'; placement: Placement } | { kind: 'dropped'; reason: string };

interface Waiter {
  job: PendingJob;
  resolve(outcome: WaitOutcome): void;
  lastReason?: string;
}

export interface PlacementLoopOptions {
  nodes: () => NodeState[];
  scorer?: string;
  /** Called when a waiting job's reason changes, so users see why it waits. */
  onUnschedulable?: (jobId: string, reason: string) => void;
  log?: (message: string) => void;
}

export class PlacementLoop {
  readonly allocations = new Allocations();
  private readonly waiters = new Map<string, Waiter>();
  private readonly options: PlacementLoopOptions;
  private scheduled = false;
  private closedReason?: string;

  constructor(options: PlacementLoopOptions) {
    this.options = options;
  }

  /** Resolves when the core places the job (its capacity is then held until release()). */
  waitForPlacement(job: PendingJob): Promise<WaitOutcome> {
    if (this.closedReason) return Promise.resolve({ kind: 'dropped', reason: this.closedReason });
    return new Promise((resolve) => {
      this.waiters.set(job.id, { job, resolve });
      this.requestCycle();
    });
  }

  drop(jobId: string, reason: string): void {
    const waiter = this.waiters.get(jobId);
    if (!waiter) return;
    this.waiters.delete(jobId);
    waiter.resolve({ kind: 'dropped', reason });
  }

  /** Drops every waiter and refuses new ones (shutdown): late arrivals are dropped at once. */
  close(reason: string): void {
    this.closedReason = reason;
    for (const id of [...this.waiters.keys()]) this.drop(id, reason);
  }

  release(jobId: string): void {
    this.allocations.release(jobId);
    this.requestCycle();
  }

  get waiting(): number {
    return this.waiters.size;
  }

  /** Cycles are coalesced: many arrivals in one tick cost one cycle. */
  requestCycle(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.cycle();
    });
  }

  cycle(): void {
    if (this.waiters.size === 0) return;
    const snapshot = this.allocations.snapshot(this.options.nodes());
    const pending = [...this.waiters.values()].map((w) => w.job);
    let result: ReturnType<typeof schedule>;
    try {
      result = schedule(snapshot, pending, { scorer: this.options.scorer });
    } catch (error) {
      // A bug in the core must not take the API down with it; the jobs keep waiting and say why.
      this.options.log?.(`scheduling cycle failed: ${(error as Error).stack ?? error}`);
      for (const waiter of this.waiters.values()) {
        this.options.onUnschedulable?.(waiter.job.id, 'scheduler error (see the service log); will retry');
      }
      return;
    }
    for (const placement of result.placements) {
      const waiter = this.waiters.get(placement.jobId);
      if (!waiter) continue;
      this.waiters.delete(placement.jobId);
      this.allocations.hold(placement);
      waiter.resolve({ kind: 'placed', placement });
    }
    for (const { jobId, reason } of result.unschedulable) {
      const waiter = this.waiters.get(jobId);
      if (!waiter) continue;
      const text = describeReason(reason);
      if (text !== waiter.lastReason) {
        waiter.lastReason = text;
        this.options.onUnschedulable?.(jobId, text);
      }
    }
  }
}
