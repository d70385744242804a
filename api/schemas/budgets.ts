// GET /v1/budgets: each budgeted share's GPU-hour usage in its rolling window.
import { z } from 'zod';

export const ShareBudgetSchema = z.object({
  share: z.string().describe('The shareIdentifier.'),
  usedGpuHours: z
    .number()
    .describe('GPU-hours used in the window (GPUs held × time; a GPU share counts its fraction).'),
  budgetGpuHours: z.number(),
  windowHours: z.number(),
  exhausted: z.boolean().describe('Used at least its budget: its jobs wait with a BudgetExhausted reason.'),
  underAt: z
    .number()
    .optional()
    .describe('When exhausted: ms since the epoch when it is back under budget if it uses nothing more.'),
});

export const BudgetListSchema = z.object({
  shares: z.array(ShareBudgetSchema),
});

export type ShareBudget = z.output<typeof ShareBudgetSchema>;
