// Query strings and small bodies of the /v1 routes (the job spec has its own file).
import { z } from 'zod';
import { JobStatusSchema } from './job-record.ts';

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

/** Epoch milliseconds, or an ISO 8601 date-time ("2026-11-28T08:00:00Z") read as epoch milliseconds. */
const instant = z
  .string()
  .transform((text, ctx) => {
    const ms = /^\d{1,15}$/.test(text)
      ? Number(text)
      : /^\d{4}-\d{2}-\d{2}/.test(text)
        ? Date.parse(text)
        : NaN;
    if (Number.isFinite(ms)) return ms;
    ctx.addIssue({ code: 'custom', message: `not epoch milliseconds or an ISO 8601 date-time: "${text}"` });
    return z.NEVER;
  })
  .optional();

export const ListJobsQuerySchema = z.strictObject({
  queue: z.string().min(1).max(128).optional().describe('Only jobs of this queue.'),
  status: JobStatusSchema.optional().describe('Only jobs in this status.'),
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9._-]{1,128}\*?$/,
      'a job name prefix (letters, digits, ".", "_", "-"), optionally ending in "*"',
    )
    .transform((name) => name.replace(/\*$/, ''))
    .optional()
    .describe(
      'Only jobs whose name starts with this (case-sensitive); a trailing "*" is allowed (AWS style).',
    ),
  share: z.string().min(1).max(256).optional().describe('Only jobs with this shareIdentifier.'),
  tenant: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe(
      "Admins: only this tenant's jobs. Others always see only their own tenant's (another is a 403).",
    ),
  createdAfter: instant.describe('Only jobs created strictly after this: epoch ms or ISO 8601 date-time.'),
  createdBefore: instant.describe('Only jobs created strictly before this: epoch ms or ISO 8601 date-time.'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .describe(`Page size, 1..${MAX_PAGE_SIZE}.`),
  cursor: z.string().min(1).max(1024).optional().describe("A previous page's nextCursor."),
});

export const DEFAULT_CANCEL_REASON = 'cancelled by request';

export const DEFAULT_TERMINATE_REASON = 'terminated by request';

export const CancelJobRequestSchema = z.strictObject({
  reason: z.string().min(1).max(1000).optional().describe(`Recorded as the status reason.`),
});

export const TerminateJobRequestSchema = z.strictObject({
  reason: z.string().min(1).max(1000).optional().describe(`Recorded as the status reason.`),
});

const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

export const JobLogsQuerySchema = z.strictObject({
  attempt: z.coerce.number().int().min(1).optional().describe('Attempt number (default: the latest).'),
  follow: flag.default(false).describe('Keep streaming until the attempt ends.'),
  tailLines: z.coerce.number().int().min(1).max(100_000).optional().describe('Only the last lines.'),
});
