// PUT /v1/admin/tenants/:name and the tenant answers: which queues a tenant may use, how many jobs it may
// have waiting (docs/api.md, Tenancy).
import { z } from 'zod';
import { JobSpecSchema } from './job-spec.ts';

/** The same rules as a job's (or an access key's tenant) name. */
export const TenantNameSchema = JobSpecSchema.shape.name;

export const TenantSettingsSchema = z.strictObject({
  queues: z
    .array(z.string().min(1))
    .optional()
    .describe('The job queues its jobs may go to; absent: every queue.'),
  maxQueuedJobs: z
    .int()
    .min(0)
    .optional()
    .describe(
      'At most this many of its jobs SUBMITTED, PENDING or RUNNABLE at once (an array counts its children); absent: no limit.',
    ),
});

export type TenantSettingsBody = z.infer<typeof TenantSettingsSchema>;

export const TenantSchema = TenantSettingsSchema.extend({
  name: z.string(),
  queuedJobs: z.int().describe('Its jobs SUBMITTED, PENDING or RUNNABLE now (counted since tenancy).'),
  updatedAt: z.number().optional().describe('Epoch ms of the last PUT; absent for a tenant never set.'),
});

export const TenantListSchema = z.object({
  tenants: z.array(TenantSchema).describe('Every tenant with settings or with jobs since tenancy, by name.'),
});
