// Keeps the leader's fair-share usage between cycles: decayed with the configured half-life, and grown by
// what each share ran since the previous cycle. The arithmetic is the core's (decayUsage, accrueUsage);
// this only remembers the state. It lives in the leader's memory: a new leader starts from zero usage.
import { accrueUsage, decayUsage } from './core/index.ts';
import type { FairShareState, Snapshot } from './core/types.ts';

export class FairShareTracker {
  private readonly weights: Record<string, number>;
  private readonly halfLifeMs: number;
  private usage: Record<string, number> = {};
  private last?: Snapshot;

  constructor(options: { weights: Record<string, number>; halfLifeMs: number }) {
    this.weights = options.weights;
    this.halfLifeMs = options.halfLifeMs;
  }

  /** The state for a cycle at `snapshot.now`; what ran since the previous cycle is charged first. */
  advance(snapshot: Snapshot): FairShareState {
    const now = snapshot.now ?? 0;
    if (this.last) {
      const elapsed = Math.max(0, now - (this.last.now ?? now));
      this.usage = accrueUsage(decayUsage(this.usage, elapsed, this.halfLifeMs), this.last, elapsed);
    }
    this.last = snapshot;
    return { weights: this.weights, usage: this.usage, halfLifeMs: this.halfLifeMs };
  }
}
