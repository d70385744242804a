// Keeps the leader's fair-share usage between cycles: decayed with the configured half-life, and grown by
// what each share ran since the previous cycle. The arithmetic is the core's (decayUsage, accrueUsage);
// this only remembers the state. The leader saves it to Redis now and then (saveDue), and a new leader
// restores it decayed by the time since, so shares do not start over at every failover.
import { accrueUsage, decayUsage } from './core/index.ts';
import type { FairShareState, Snapshot } from './core/types.ts';
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

  constructor(options: { weights: Record<string, number>; halfLifeMs: number }) {
    this.weights = options.weights;
    this.halfLifeMs = options.halfLifeMs;
  }

  /** Continues from a previous leader's usage, decayed by the time since it was saved. */
  restore(saved: SavedUsage, now: number): void {
    this.usage = decayUsage(saved.usage, Math.max(0, now - saved.at), this.halfLifeMs);
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
    if (this.last) {
      const elapsed = Math.max(0, now - (this.last.now ?? now));
      this.usage = accrueUsage(decayUsage(this.usage, elapsed, this.halfLifeMs), this.last, elapsed);
    } else if (this.restoredAt !== undefined) {
      // Cycles run only while jobs wait: the first may come long after the restore.
      this.usage = decayUsage(this.usage, Math.max(0, now - this.restoredAt), this.halfLifeMs);
    }
    this.restoredAt = undefined;
    this.last = snapshot;
    return { weights: this.weights, usage: this.usage, halfLifeMs: this.halfLifeMs };
  }
}
