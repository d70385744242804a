// POST /v1/admin/access-keys: the request and the answer (the only time the secret is returned).
import { z } from 'zod';
import { JobSpecSchema } from './job-spec.ts';

export const CreateAccessKeyRequestSchema = z.strictObject({
  tenant: JobSpecSchema.shape.name.describe(
    'Who the key is for; jobs it submits share fairly under this name unless they give a shareIdentifier.',
  ),
  role: z
    .enum(['admin', 'submitter'])
    .default('submitter')
    .describe(
      "submitter: the job and job definition operations, on the key's tenant; admin: also CreateJobQueue, UpdateJobQueue, CreateComputeEnvironment, UpdateComputeEnvironment.",
    ),
});

export const AccessKeySchema = z.object({
  accessKeyId: z.string().describe('AWS_ACCESS_KEY_ID for the AWS-Batch-compatible endpoint.'),
  secretAccessKey: z.string().describe('AWS_SECRET_ACCESS_KEY: shown in this answer only.'),
  tenant: z.string(),
  role: z.enum(['admin', 'submitter']),
  createdAt: z.number().describe('Epoch milliseconds.'),
});

/** DELETE /v1/admin/access-keys/:id: the key is revoked at once. */
export const AccessKeyRevokedSchema = z.object({ accessKeyId: z.string(), revoked: z.literal(true) });
