// Publishes, for each waiting job, when the core expects it to start and what would let it run sooner.
// Estimating simulates the queue forward, so it runs at most every `intervalMs`, after a cycle, and its
// result replaces the previous one in Redis (derived data, never part of the record's history).
import { createSuggester, estimateStarts, type ScheduleOptions } from './core/index.ts';
import type { PendingJob, Snapshot } from './core/types.ts';
import type { JobStore, WaitEstimate } from './store/job-store.ts';

export class WaitEstimates {
  private readonly store: JobStore;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private lastAt = Number.NEGATIVE_INFINITY;
  private writing = false;

  constructor(store: JobStore, options: { intervalMs?: number; now: () => number }) {
    this.store = store;
    this.intervalMs = options.intervalMs ?? 2000;
    this.now = options.now;
  }

  /** Called after each cycle with what the cycle saw; cheap when it is not time yet. */
  afterCycle(snapshot: Snapshot, waiting: readonly PendingJob[], options: ScheduleOptions): void {
    const now = this.now();
    if (this.writing || now - this.lastAt < this.intervalMs) return;
    this.lastAt = now;
    const starts = estimateStarts(snapshot, waiting, options);
    const suggest = createSuggester(snapshot, options);
    const estimates = new Map<string, WaitEstimate>();
    for (const job of waiting) {
      const suggestions = suggest(job);
      estimates.set(job.id, {
        ...(starts[job.id] === undefined ? {} : { estimatedStartAt: starts[job.id] }),
        ...(suggestions.length > 0 ? { suggestions } : {}),
      });
    }
    this.writing = true;
    void this.store
      .setEstimates(estimates)
      .catch(() => undefined) // estimates are advisory; the next cycle writes them again
      .finally(() => {
        this.writing = false;
      });
  }
}
