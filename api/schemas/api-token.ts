// /v1/admin/tokens: the create request, a token's record, and the create answer (the only time the
// token itself is returned).
import { z } from 'zod';
import { ROLES } from '../principal.ts';
import { JobSpecSchema } from './job-spec.ts';

const RoleSchema = z.enum(ROLES as [string, ...string[]]);

export const CreateApiTokenRequestSchema = z.strictObject({
  role: RoleSchema.describe('admin: everything; submitter: submit and act on jobs; viewer: read only.'),
  tenant: JobSpecSchema.shape.name.describe('The tenant whose jobs the token sees and acts on.'),
  name: z.string().max(200).optional().describe('What the token is for (shown in listings).'),
});

export const ApiTokenRecordSchema = z.object({
  id: z.string().describe('Public id (the middle part of the token); used to revoke it.'),
  name: z.string(),
  role: RoleSchema,
  tenant: z.string(),
  createdAt: z.number().describe('Epoch milliseconds.'),
  revokedAt: z.number().optional().describe('Epoch milliseconds; absent while the token is valid.'),
});

export const CreatedApiTokenSchema = ApiTokenRecordSchema.extend({
  token: z.string().describe('The bearer token: shown in this answer only (only its SHA-256 is stored).'),
});

export const ApiTokenListSchema = z.object({ tokens: z.array(ApiTokenRecordSchema) });
