// GPU-hour budgets per share identifier: the caller (the leader's budget tracker) says which shares have
// used their whole budget in the rolling window; their jobs wait with a BudgetExhausted reason and are
// never placed, reserved for or used to preempt. Running jobs of such a share are not stopped.
import { shareOf } from './order.ts';
import type { PendingJob, Unschedulable } from './types.ts';

/** A share that has used its whole GPU-hour budget in its rolling window. */
export interface BudgetExhaustion {
  usedGpuHours: number;
  budgetGpuHours: number;
  windowHours: number;
  /**
   * When enough past usage leaves the window for the share to be under budget again (ms), assuming it
   * uses nothing more; absent when not computable. From this moment on (snapshot.now >= underAt) the
   * share counts as under budget, so a forecast on virtual time (estimateStarts) sees it run again.
   */
  underAt?: number;
}

/** Shares over budget, by share identifier (jobs without a share are never budgeted). */
export type OverBudget = Readonly<Record<string, BudgetExhaustion>>;

/**
 * Splits the pending jobs into those that may be offered and those of shares over budget at `now`,
 * which get a BudgetExhausted reason. The input is not changed; with no share over budget it is returned.
 */
export function withoutOverBudget(
  pending: readonly PendingJob[],
  overBudget: OverBudget | undefined,
  now: number,
): { offered: readonly PendingJob[]; waiting: Unschedulable[] } {
  if (overBudget === undefined) return { offered: pending, waiting: [] };
  const active = activeExhaustions(overBudget, now);
  if (active.size === 0) return { offered: pending, waiting: [] };
  const offered: PendingJob[] = [];
  const waiting: Unschedulable[] = [];
  for (const job of pending) {
    const share = shareOf(job);
    const exhausted = share === '' ? undefined : active.get(share);
    if (exhausted === undefined) offered.push(job);
    else waiting.push({ jobId: job.id, reason: { kind: 'BudgetExhausted', share, ...exhausted } });
  }
  return { offered, waiting };
}

/** The earliest `underAt` after `now` (a forecast steps to it); Infinity when none. */
export function nextBudgetRelease(overBudget: OverBudget | undefined, now: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (const exhausted of Object.values(overBudget ?? {})) {
    const at = exhausted.underAt;
    if (at !== undefined && at > now && at < next) next = at;
  }
  return next;
}

function activeExhaustions(overBudget: OverBudget, now: number): Map<string, BudgetExhaustion> {
  const active = new Map<string, BudgetExhaustion>();
  for (const [share, exhausted] of Object.entries(overBudget)) {
    if (exhausted.underAt === undefined || exhausted.underAt > now) active.set(share, exhausted);
  }
  return active;
}
