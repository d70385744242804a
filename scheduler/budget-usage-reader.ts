// Budget usage for GET /v1/budgets in a process that does not lead (role api, or a standby): the copy the
// leader last saved to Redis (at most 10 s old; running jobs counted up to that save).
import { BudgetLedger, type BudgetLimits, type ShareBudgetUsage } from './budget-ledger.ts';
import type { JobStore } from './store/job-store.ts';

export async function savedBudgetUsage(
  store: JobStore,
  limits: BudgetLimits,
  now: number,
): Promise<ShareBudgetUsage[]> {
  const ledger = new BudgetLedger(limits);
  const saved = await store.loadBudgetUsage();
  if (saved) ledger.restore(saved);
  return ledger.usage(now);
}
