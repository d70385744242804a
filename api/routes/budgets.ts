// /v1/budgets: GPU-hour budget usage per shareIdentifier (exists only when budgets are configured).
import { Router } from 'express';
import type { ShareBudget } from '../schemas/budgets.ts';

/** Where the usage comes from: the leader's ledger, or the copy it last saved to Redis. */
export interface BudgetUsageSource {
  budgetUsage(): Promise<ShareBudget[]>;
}

export function budgetsRouter(source: BudgetUsageSource): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.json({ shares: await source.budgetUsage() });
  });
  return router;
}
