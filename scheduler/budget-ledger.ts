// GPU-seconds used per share identifier in a rolling window, for GPU-hour budgets. Each budgeted share keeps
// buckets of fixed width (1/BUCKETS_PER_WINDOW of its window, by absolute time: bucket i covers
// [i·width, (i+1)·width)); the window at time t is the BUCKETS_PER_WINDOW buckets ending with the one that
// holds t, so usage leaves the window whole buckets at a time, between window − width and window after it
// was charged. Pure arithmetic on numbers: the caller passes the times (its injected clock).
import type { BudgetExhaustion, OverBudget } from './core/index.ts';

/** A budget: at most `gpuHours` GPU-hours in any rolling `windowHours`. */
export interface BudgetLimit {
  gpuHours: number;
  windowHours: number;
}

/** Budgets per share identifier; `*` is the budget of each share without an entry of its own. */
export type BudgetLimits = Readonly<Record<string, BudgetLimit>>;

/** The share key that applies to every other share identifier. */
export const ANY_SHARE = '*';
export const BUCKETS_PER_WINDOW = 60;
const HOUR_MS = 3_600_000;

/** A share's usage against its budget at some moment. */
export interface ShareBudgetUsage extends BudgetExhaustion {
  share: string;
  exhausted: boolean;
}

/** What the leader saves to Redis: per share, its bucket width (ms) and [bucket index, GPU-seconds]. */
export interface SavedBudgetUsage {
  shares: Record<string, { widthMs: number; buckets: [number, number][] }>;
}

export class BudgetLedger {
  readonly #limits: BudgetLimits;
  /** Per share: bucket index -> GPU-seconds. */
  readonly #buckets = new Map<string, Map<number, number>>();

  constructor(limits: BudgetLimits) {
    this.#limits = limits;
  }

  get configured(): boolean {
    return Object.keys(this.#limits).length > 0;
  }

  /** The budget that applies to a share; none for jobs without a share identifier. */
  limitFor(share: string): BudgetLimit | undefined {
    if (share === '') return undefined;
    return this.#limits[share] ?? this.#limits[ANY_SHARE];
  }

  /** Charges `gpus` GPUs held over [fromMs, toMs), spread over the buckets the interval crosses. */
  charge(share: string, gpus: number, fromMs: number, toMs: number): void {
    const limit = this.limitFor(share);
    if (limit === undefined || !(gpus > 0) || !(toMs > fromMs)) return;
    const width = widthMs(limit);
    let buckets = this.#buckets.get(share);
    if (buckets === undefined) {
      buckets = new Map();
      this.#buckets.set(share, buckets);
    }
    for (let index = Math.floor(fromMs / width); index * width < toMs; index++) {
      const overlap = Math.min(toMs, (index + 1) * width) - Math.max(fromMs, index * width);
      buckets.set(index, (buckets.get(index) ?? 0) + (gpus * overlap) / 1000);
    }
    prune(buckets, Math.floor(toMs / width) - BUCKETS_PER_WINDOW + 1);
  }

  /** GPU-seconds the share used in the window ending at `now`. */
  usedGpuSeconds(share: string, now: number): number {
    const limit = this.limitFor(share);
    const buckets = this.#buckets.get(share);
    if (limit === undefined || buckets === undefined) return 0;
    const first = Math.floor(now / widthMs(limit)) - BUCKETS_PER_WINDOW + 1;
    let used = 0;
    for (const [index, gpuSeconds] of buckets) if (index >= first) used += gpuSeconds;
    return used;
  }

  /**
   * Every share named in the budgets, and every other share with usage on record: used, budget,
   * exhausted (used ≥ budget), underAt.
   */
  usage(now: number): ShareBudgetUsage[] {
    const rows: ShareBudgetUsage[] = [];
    const named = Object.keys(this.#limits).filter((share) => share !== ANY_SHARE);
    for (const share of [...new Set([...named, ...this.#buckets.keys()])].sort()) {
      const limit = this.limitFor(share)!;
      const used = this.usedGpuSeconds(share, now);
      const exhausted = used >= limit.gpuHours * 3600;
      rows.push({
        share,
        usedGpuHours: used / 3600,
        budgetGpuHours: limit.gpuHours,
        windowHours: limit.windowHours,
        exhausted,
        ...(exhausted ? { underAt: this.#underAt(share, limit, now) } : {}),
      });
    }
    return rows;
  }

  /** The shares over budget at `now`, as the core reads them (ScheduleOptions.overBudget). */
  overBudget(now: number): OverBudget {
    const over: Record<string, BudgetExhaustion> = {};
    for (const { share, exhausted, ...rest } of this.usage(now)) if (exhausted) over[share] = rest;
    return over;
  }

  toSave(): SavedBudgetUsage {
    const shares: SavedBudgetUsage['shares'] = {};
    for (const [share, buckets] of this.#buckets) {
      const limit = this.limitFor(share);
      if (limit !== undefined && buckets.size > 0)
        shares[share] = { widthMs: widthMs(limit), buckets: [...buckets].sort(([a], [b]) => a - b) };
    }
    return { shares };
  }

  /**
   * Continues from saved usage. A share whose budget is gone is dropped; one whose window changed has each
   * old bucket charged at its start into the new buckets.
   */
  restore(saved: SavedBudgetUsage): void {
    this.#buckets.clear();
    for (const [share, { widthMs: savedWidth, buckets }] of Object.entries(saved.shares)) {
      const limit = this.limitFor(share);
      if (limit === undefined) continue;
      const width = widthMs(limit);
      const target = new Map<number, number>();
      for (const [index, gpuSeconds] of buckets) {
        const at = savedWidth === width ? index : Math.floor((index * savedWidth) / width);
        target.set(at, (target.get(at) ?? 0) + gpuSeconds);
      }
      this.#buckets.set(share, target);
    }
  }

  /** When the oldest buckets have left the window enough for the share to be under budget; none if never. */
  #underAt(share: string, limit: BudgetLimit, now: number): number | undefined {
    const width = widthMs(limit);
    const first = Math.floor(now / width) - BUCKETS_PER_WINDOW + 1;
    const buckets = [...(this.#buckets.get(share) ?? [])].filter(([index]) => index >= first);
    buckets.sort(([a], [b]) => a - b);
    let used = buckets.reduce((sum, [, gpuSeconds]) => sum + gpuSeconds, 0);
    for (const [index, gpuSeconds] of buckets) {
      used -= gpuSeconds;
      // Bucket `index` is out of the window once the window's first bucket is index + 1.
      if (used < limit.gpuHours * 3600) return (index + BUCKETS_PER_WINDOW) * width;
    }
    return undefined;
  }
}

function widthMs(limit: BudgetLimit): number {
  return Math.max(1, (limit.windowHours * HOUR_MS) / BUCKETS_PER_WINDOW);
}

function prune(buckets: Map<number, number>, first: number): void {
  for (const index of buckets.keys()) if (index < first) buckets.delete(index);
}
