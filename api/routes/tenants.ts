// /v1/admin/tenants (admins only): each tenant's allowed queues and maxQueuedJobs, with its jobs queued now.
import { Router } from 'express';
import { ApiError } from '../errors.ts';
import type { JobService } from '../job-service.ts';
import { requireJsonBody } from '../json-body.ts';
import { TenantNameSchema, TenantSettingsSchema } from '../schemas/tenant.ts';
import { requireAdmin } from '../tenancy/caller.ts';
import type { TenantRegistry } from '../tenant-registry.ts';
import { parseOrThrow } from '../validate.ts';

export function tenantsRouter(tenants: TenantRegistry, jobs: JobService): Router {
  const router = Router();
  router.use(requireAdmin);
  router.get('/', async (_req, res) => {
    res.json({ tenants: await tenants.list() });
  });
  router.get('/:name', async (req, res) => {
    const name = parseOrThrow(TenantNameSchema, req.params.name, 'path.name');
    res.json(await tenants.get(name));
  });
  // Replaces the settings: a field left out goes back to its default (every queue, no limit).
  router.put('/:name', requireJsonBody, async (req, res) => {
    const name = parseOrThrow(TenantNameSchema, req.params.name, 'path.name');
    const settings = parseOrThrow(TenantSettingsSchema, req.body, 'body');
    if (settings.queues) await knownQueues(jobs, settings.queues);
    res.json(await tenants.put({ name, ...settings }));
  });
  return router;
}

/** A typo in the list would silently lock the tenant out of the queue meant: 422 naming the entry. */
async function knownQueues(jobs: JobService, queues: readonly string[]): Promise<void> {
  const known = await jobs.queues();
  const index = queues.findIndex((queue) => !known.includes(queue));
  if (index < 0) return;
  const field = `queues[${index}]`;
  const message = `no queue named "${queues[index]}"; queues: ${known.join(', ')}`;
  throw new ApiError(422, 'Unprocessable request', `${field}: ${message}`, [{ field, message }]);
}
