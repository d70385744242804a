// The second half of every dependency and array change: the Lua scripts (store/dependency-lua.ts) decide
// atomically what became ready, what must fail and which arrays to look at, and leave it in an outbox;
// this drains it: rewrites those records, enqueues what became RUNNABLE, releases array children up to
// their limit and finishes arrays whose children all finished. Every step is idempotent, so any process
// may drain (the API after a submit or cancel, the leader after each attempt and every 30 s), and a
// crash in between is repaired by the next drain (recovery.ts).
import { childId, parseChildId } from './array-children.ts';
import type { JobRecord, JobStatus } from './job-record.ts';
import type { JobQueues } from './store/job-queues.ts';
import type { JobStore } from './store/job-store.ts';

export interface DependencyDeps {
  store: JobStore;
  queues: JobQueues;
  now: () => number;
  /** Asks the leader to stop a running attempt (the cancel channel). */
  publishCancel: (jobId: string, reason: string) => Promise<void>;
}

const WAITING: readonly JobStatus[] = ['SUBMITTED', 'PENDING', 'RUNNABLE'];
/** Concurrent record writes when many children change at once. */
const PARALLEL = 64;

/** AWS Batch's reason, naming the dependency. */
export function dependencyFailedReason(dependency: string): string {
  return `Dependent Job failed: ${dependency}`;
}

export class Dependencies {
  private readonly deps: DependencyDeps;
  private running?: Promise<void>;
  private again = false;

  constructor(deps: DependencyDeps) {
    this.deps = deps;
  }

  /** Drains the outbox until it is empty; calls while a drain runs make it go round once more. */
  drain(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          while (await this.drainOnce()) {}
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** One pass over the outbox; true when it found work (which may have produced more). */
  private async drainOnce(): Promise<boolean> {
    const { store } = this.deps;
    const outbox = await store.graph.readOutbox();
    for (const [jobId, dependency] of outbox.failed) {
      await this.failForDependency(jobId, dependency);
      await store.graph.clearOutbox('failed', jobId);
    }
    for (const jobId of outbox.ready) {
      await this.makeReady(jobId);
      await store.graph.clearOutbox('ready', jobId);
    }
    for (const parentId of outbox.arrays) {
      // Cleared first: a child finishing meanwhile adds the parent again, and that signal must survive.
      await store.graph.clearOutbox('arrays', parentId);
      await this.releaseAndFinish(parentId);
    }
    return outbox.failed.length + outbox.ready.length + outbox.arrays.length > 0;
  }

  private async failForDependency(jobId: string, dependency: string): Promise<void> {
    const reason = dependencyFailedReason(dependency);
    const failed = await this.deps.store.transition(jobId, {
      from: ['SUBMITTED', 'PENDING'],
      to: 'FAILED',
      reason,
      patch: (r) => {
        r.stoppedAt = this.deps.now();
      },
    });
    if (failed?.status !== 'FAILED') return;
    if (failed.arrayProperties?.size !== undefined) await this.stopChildren(failed, reason);
    await this.failSequentialRest(failed);
  }

  /** A failed child of a SEQUENTIAL array: the children after it fail in bulk, not one drain round each. */
  private async failSequentialRest(child: JobRecord): Promise<void> {
    const index = child.arrayProperties?.index;
    const parentId = index === undefined ? undefined : parseChildId(child.id)?.parentId;
    if (index === undefined || parentId === undefined) return;
    const parent = await this.deps.store.get(parentId);
    if (!parent?.spec.dependsOn?.some((d) => d.type === 'SEQUENTIAL')) return;
    await this.deps.store.graph.failSequentialChain(parent, index + 1);
  }

  private async makeReady(jobId: string): Promise<void> {
    await this.enqueueIfRunnable(await this.toRunnable(jobId, 'dependencies succeeded'));
  }

  /** Releases children up to the array's limit; finishes the parent once every child finished. */
  private async releaseAndFinish(parentId: string): Promise<void> {
    const { store } = this.deps;
    const released = await store.graph.releaseChildren(parentId);
    for (let i = 0; i < released.length; i += PARALLEL) {
      await Promise.all(released.slice(i, i + PARALLEL).map((id) => this.release(id)));
    }
    const array = await store.graph.arrayCounts(parentId);
    if (!array) return;
    const { size, counts } = array;
    if (counts.SUCCEEDED + counts.FAILED < size) {
      if (released.length > 0) await this.sayRunning(parentId);
      return;
    }
    const reason =
      counts.FAILED === 0 ? `all ${size} children succeeded` : `${counts.FAILED} of ${size} children failed`;
    await store.transition(parentId, {
      from: ['PENDING'],
      to: counts.FAILED === 0 ? 'SUCCEEDED' : 'FAILED',
      reason,
      patch: (r) => {
        r.stoppedAt = this.deps.now();
      },
    });
  }

  /** The parent's reason once its children run (a refresh, not a transition: no event). */
  private async sayRunning(parentId: string): Promise<void> {
    await this.deps.store.update(parentId, (r) => {
      const reason = 'children running; arrayProperties.statusSummary counts them';
      if (r.status !== 'PENDING' || r.statusReason === reason) return undefined;
      r.statusReason = reason;
      return r;
    });
  }

  /** A released child: PENDING -> RUNNABLE, then into its BullMQ queue. */
  async release(id: string): Promise<void> {
    await this.enqueueIfRunnable(await this.toRunnable(id, 'released by its array'));
  }

  /** PENDING -> RUNNABLE with the reason; a job already RUNNABLE (a drain that crashed) is returned as is. */
  private toRunnable(id: string, why: string): Promise<JobRecord | undefined> {
    return this.deps.store.update(id, (r) => {
      if (r.status !== 'SUBMITTED' && r.status !== 'PENDING') return undefined;
      const at = this.deps.now();
      r.status = 'RUNNABLE';
      r.statusReason = `${why}; waiting in queue ${r.spec.queue} for capacity`;
      r.events.push({ at, status: 'RUNNABLE', reason: r.statusReason });
      return r;
    });
  }

  private async enqueueIfRunnable(record: JobRecord | undefined): Promise<void> {
    if (record?.status === 'RUNNABLE') await this.deps.queues.enqueue(record);
  }

  /**
   * Every unfinished child of a finished (failed or cancelled) array parent: a waiting one fails at
   * once, a running one is asked to stop.
   */
  async stopChildren(parent: JobRecord, reason: string): Promise<void> {
    const size = parent.arrayProperties?.size ?? 0;
    const stopOne = async (index: number) => {
      const id = childId(parent.id, index);
      let cancelRunning = false;
      await this.deps.store.update(id, (r) => {
        if (WAITING.includes(r.status)) {
          const at = this.deps.now();
          r.status = 'FAILED';
          r.statusReason = reason;
          r.stoppedAt = at;
          r.events.push({ at, status: 'FAILED', reason });
          return r;
        }
        if ((r.status === 'STARTING' || r.status === 'RUNNING') && !r.terminateRequested) {
          r.terminateRequested = { at: this.deps.now(), reason };
          cancelRunning = true;
          return r;
        }
        return undefined;
      });
      if (cancelRunning) await this.deps.publishCancel(id, reason);
    };
    // Most children of a big array never left PENDING: those fail in bulk, the rest one by one.
    const left = size > 0 ? await this.deps.store.graph.failUntouchedChildren(parent, reason) : [];
    for (let i = 0; i < left.length; i += PARALLEL) {
      await Promise.all(left.slice(i, i + PARALLEL).map(stopOne));
    }
  }
}
