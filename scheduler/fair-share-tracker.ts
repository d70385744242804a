// Keeps the leader's fair-share usage between cycles: decayed with the configured half-life (a queue with
// its own fair-share policy: its half-life, for its `queue/share` keys), and grown by what each share ran
// since the previous cycle. The arithmetic is the core's (decayUsage, accrueUsage);
// this only remembers the state. The leader saves it to Redis now and then (saveDue), and a new leader
// restores it decayed by the time since, so shares do not start over at every failover.
import { accrueUsage, decayUsageByKey } from './core/index.ts';
import type { FairShareState, QueueFairSharePolicy, Snapshot } from './core/types.ts';
import type { SavedUsage } from './store/job-store.ts';

/** How often the leader saves usage: a failover loses at most this much history. */
export const SAVE_INTERVAL_MS = 10_000;

export class FairShareTracker {
  private readonly weights: Record<string, number>;
  private readonly halfLifeMs: number;
  private usage: Record<string, number> = {};
  private last?: Snapshot;
  private lastSavedAt = Number.NEGATIVE_INFINITY;
  /** When a restored usage was last decayed to, until the first cycle decays it on to its own time. */
  private restoredAt?: number;

  /** The job queues' own policies of now (they change at run time); read at every cycle and restore. */
  private readonly queuePolicies: () => Readonly<Record<string, QueueFairSharePolicy>>;

  constructor(options: {
    weights: Record<string, number>;
    halfLifeMs: number;
    queuePolicies?: () => Readonly<Record<string, QueueFairSharePolicy>>;
  }) {
    this.weights = options.weights;
    this.halfLifeMs = options.halfLifeMs;
    this.queuePolicies = options.queuePolicies ?? (() => ({}));
  }

  private decay(usage: Readonly<Record<string, number>>, elapsedMs: number, policies = this.queuePolicies()) {
    return decayUsageByKey(usage, elapsedMs, this.halfLifeMs, policies);
  }

  /** Continues from a previous leader's usage, decayed by the time since it was saved. */
  restore(saved: SavedUsage, now: number): void {
    this.usage = this.decay(saved.usage, Math.max(0, now - saved.at));
    this.lastSavedAt = now;
    this.restoredAt = now;
  }

  /** The usage to save now, at most once per SAVE_INTERVAL_MS; undefined when not due. */
  saveDue(now: number): SavedUsage | undefined {
    if (now - this.lastSavedAt < SAVE_INTERVAL_MS) return undefined;
    return this.toSave(now);
  }

  /** The usage as of the last cycle, to save now (e.g. when stepping down). */
  toSave(now: number): SavedUsage {
    this.lastSavedAt = now;
    return { usage: { ...this.usage }, at: this.last?.now ?? now };
  }

  /** Decayed usage per share as of the last cycle (for status and tests). */
  current(): Readonly<Record<string, number>> {
    return this.usage;
  }

  /** The state for a cycle at `snapshot.now`; what ran since the previous cycle is charged first. */
  advance(snapshot: Snapshot): FairShareState {
    const now = snapshot.now ?? 0;
    const policies = this.queuePolicies();
    if (this.last) {
      const elapsed = Math.max(0, now - (this.last.now ?? now));
      this.usage = accrueUsage(this.decay(this.usage, elapsed, policies), this.last, elapsed, policies);
    } else if (this.restoredAt !== undefined) {
      // Cycles run only while jobs wait: the first may come long after the restore.
      this.usage = this.decay(this.usage, Math.max(0, now - this.restoredAt), policies);
    }
    this.restoredAt = undefined;
    this.last = snapshot;
    return {
      weights: this.weights,
      usage: this.usage,
      halfLifeMs: this.halfLifeMs,
      ...(Object.keys(policies).length > 0 ? { queuePolicies: policies } : {}),
    };
  }
}
