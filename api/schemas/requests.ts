// Query strings and small bodies of the /v1 routes (the job spec has its own file).
import { z } from 'zod';
import { JobStatusSchema } from './job-record.ts';

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

export const ListJobsQuerySchema = z.strictObject({
  queue: z.string().min(1).max(128).optional().describe('Only jobs of this queue.'),
  status: JobStatusSchema.optional().describe('Only jobs in this status.'),
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
