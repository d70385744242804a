// GET /v1/budgets: GPU-hour budget usage per share, when budgets are configured.
import test from 'ava';
import type { ShareBudget } from '../../api/schemas/budgets.ts';
import { startApi } from '../support/api-harness.ts';

const usage: ShareBudget[] = [
  {
    share: 'team-a',
    usedGpuHours: 100,
    budgetGpuHours: 100,
    windowHours: 24,
    exhausted: true,
    underAt: 1_000,
  },
  { share: 'team-b', usedGpuHours: 2.5, budgetGpuHours: 10, windowHours: 24, exhausted: false },
];

test('GET /v1/budgets lists each budgeted share with its usage and whether it is exhausted', async (t) => {
  const api = await startApi(t, { budgets: { budgetUsage: async () => usage } });
  const response = await api.request('/v1/budgets');
  t.is(response.status, 200);
  t.deepEqual(response.body, { shares: usage });
});

test('without budgets configured there is no /v1/budgets, in the API or its document', async (t) => {
  const api = await startApi(t);
  t.is((await api.request('/v1/budgets')).status, 404);
  t.is((await api.request('/openapi.json')).body.paths['/v1/budgets'], undefined);
});

test('the OpenAPI document describes /v1/budgets when it exists', async (t) => {
  const api = await startApi(t, { budgets: { budgetUsage: async () => usage } });
  const { body } = await api.request('/openapi.json');
  t.is(body.paths['/v1/budgets'].get.operationId, 'listBudgets');
  const share = body.components.schemas.BudgetList.properties.shares.items;
  t.deepEqual(share.required.sort(), ['budgetGpuHours', 'exhausted', 'share', 'usedGpuHours', 'windowHours']);
});

test('/v1/budgets needs a bearer token like every /v1 route; a viewer may read it', async (t) => {
  const api = await startApi(t, { budgets: { budgetUsage: async () => usage } });
  t.is((await api.request('/v1/budgets', { token: null })).status, 401);
  t.is((await api.request('/v1/budgets', { token: await api.tokenFor('viewer') })).status, 200);
});
