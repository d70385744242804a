// Charges running work to GPU-hour budgets on the leader: each job holding capacity is charged its GPUs ×
// the time since it was last charged (at every cycle, and when it releases its capacity), so the ledger
// counts running attempts' elapsed time too. The leader saves it to Redis every BUDGET_SAVE_INTERVAL_MS
// and when stepping down (like fair-share usage); the next leader restores it, so a failover does not
// give shares a fresh budget.
import {
  BudgetLedger,
  type BudgetLimits,
  type SavedBudgetUsage,
  type ShareBudgetUsage,
} from './budget-ledger.ts';
import type { OverBudget, RunningJob } from './core/index.ts';
import { MILLI_PER_GPU } from './core/types.ts';

/** How often the leader saves budget usage (on a timer): a failover loses at most this much of it. */
export const BUDGET_SAVE_INTERVAL_MS = 10_000;

export class BudgetTracker {
  readonly #ledger: BudgetLedger;
  /** Per running job: charged up to this time (ms). */
  readonly #chargedUntil = new Map<string, number>();

  constructor(limits: BudgetLimits) {
    this.#ledger = new BudgetLedger(limits);
  }

  /** Whether any budget is configured (without one, nothing is charged, saved or passed to the core). */
  get configured(): boolean {
    return this.#ledger.configured;
  }

  restore(saved: SavedBudgetUsage): void {
    this.#ledger.restore(saved);
  }

  /** Charges the running jobs up to `now` and says which shares are over budget then. */
  advance(running: readonly RunningJob[], now: number): OverBudget {
    for (const job of running) this.#charge(job, now);
    return this.#ledger.overBudget(now);
  }

  /** The job gave its capacity back at `now` (once per hold): its last stretch is charged, it is forgotten. */
  released(job: RunningJob, now: number): void {
    this.#charge(job, now);
    this.#chargedUntil.delete(job.id);
  }

  /** Usage per budgeted share as of `now` (running jobs counted up to their last charge). */
  usage(now: number): ShareBudgetUsage[] {
    return this.#ledger.usage(now);
  }

  /** The ledger to save (running jobs counted up to their last charge). */
  toSave(): SavedBudgetUsage {
    return this.#ledger.toSave();
  }

  #charge(job: RunningJob, now: number): void {
    const from = Math.max(job.startedAt, this.#chargedUntil.get(job.id) ?? job.startedAt);
    if (now <= from) return;
    this.#ledger.charge(job.share ?? '', gpusHeld(job), from, now);
    this.#chargedUntil.set(job.id, now);
  }
}

/** Whole GPUs held (a share of one GPU counts as gpuMilli / 1000). */
export function gpusHeld(job: RunningJob): number {
  let milli = 0;
  for (const placement of job.placements) milli += placement.gpuIndices.length * placement.gpuMilliPerGpu;
  return milli / MILLI_PER_GPU;
}
