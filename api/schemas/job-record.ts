// A zod mirror of scheduler/job-record.ts, used only to describe responses in the OpenAPI document.
import { z } from 'zod';
import { JOB_STATUSES, type JobRecord } from '../../scheduler/job-record.ts';
import { JobSpecSchema } from './job-spec.ts';

const epochMs = z.number().describe('Epoch milliseconds.');

export const JobStatusSchema = z.enum(JOB_STATUSES);

const AttemptPlacementSchema = z.object({
  node: z.string(),
  gpuIndices: z.array(z.int()),
  gpuMilliPerGpu: z.int(),
});

const AttemptSchema = z.object({
  number: z.int().min(1).describe('1-based attempt number.'),
  placement: AttemptPlacementSchema,
  computeEnvironment: z
    .string()
    .optional()
    .describe('The compute environment its node belongs to (a queue may feed several, in order).'),
  startedAt: epochMs,
  stoppedAt: epochMs.optional(),
  backend: z.string().optional().describe('e.g. "onnxruntime:cpu", "gpu.js:webasm".'),
  exitCode: z.int().optional(),
  outcome: z
    .enum(['succeeded', 'failed', 'interrupted', 'preempted', 'lost'])
    .optional()
    .describe('How it ended: only failed attempts count against the retry strategy.'),
  reason: z.string().optional().describe('Why the attempt ended (empty while it runs).'),
  interruptedBy: z
    .enum(['shutdown', 'cancel', 'preempt', 'terminated'])
    .optional()
    .describe(
      'Who stopped an interrupted or preempted attempt: the service, a user, the scheduler, the node.',
    ),
  checkpoint: z
    .object({ nextRow: z.int(), start: z.int(), end: z.int() })
    .optional()
    .describe('An interrupted inference attempt: rows [start, nextRow) are saved; the next attempt resumes.'),
});

const JobProgressSchema = z.object({ done: z.number(), total: z.number(), at: epochMs });

const JobResultSchema = z.object({
  backend: z.string(),
  output: z.string(),
  rows: z.int(),
  details: z.record(z.string(), z.unknown()).optional(),
});

const JobEventSchema = z.object({ at: epochMs, status: JobStatusSchema, reason: z.string() });

export const JobRecordSchema = z.object({
  id: z.string(),
  tenant: z
    .string()
    .describe(
      "Who owns the job: the submitting caller's tenant. Only that tenant's callers and admins see it (docs/api.md, Tenancy).",
    ),
  spec: JobSpecSchema,
  jobDefinition: z
    .string()
    .optional()
    .describe('"name:revision" of the job definition the job was submitted from.'),
  status: JobStatusSchema,
  statusReason: z.string(),
  createdAt: epochMs,
  startedAt: epochMs.optional(),
  stoppedAt: epochMs.optional(),
  attempts: z.array(AttemptSchema),
  progress: JobProgressSchema.optional(),
  result: JobResultSchema.optional(),
  events: z.array(JobEventSchema),
  terminateRequested: z
    .object({ at: epochMs, reason: z.string() })
    .optional()
    .describe('Set when a user asked to terminate a STARTING or RUNNING job; FAILED follows.'),
  isCancelled: z
    .boolean()
    .optional()
    .describe('FAILED by a cancel before it started (a user, or the queue maxRunnableSeconds).'),
  isTerminated: z.boolean().optional().describe('FAILED by a terminate.'),
  notBefore: epochMs
    .optional()
    .describe('RUNNABLE jobs waiting out a retry backoff: not started before this time.'),
  estimatedStartAt: epochMs
    .optional()
    .describe('RUNNABLE jobs: when the scheduler expects the job to start, simulating the queue forward.'),
  suggestions: z
    .array(z.string())
    .optional()
    .describe('RUNNABLE jobs: what would let it run sooner, e.g. "fits now with gpuModel any".'),
  arrayProperties: z
    .object({
      size: z.int().optional().describe('Array parents: the number of children.'),
      index: z.int().optional().describe('Array children: the index, 0..size-1.'),
      statusSummary: z
        .partialRecord(JobStatusSchema, z.int())
        .optional()
        .describe('Array parents: how many children are in each status.'),
    })
    .optional()
    .describe('Array jobs (AWS Batch shape).'),
  retryBase: z
    .int()
    .optional()
    .describe('Attempts made before the last retry-failed; retry.attempts counts the ones after.'),
});

// Fails the type check when scheduler/job-record.ts changes and this mirror does not.
type Assert<T extends true> = T;
type MutuallyAssignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type JobRecordSchemaMatchesType = Assert<
  MutuallyAssignable<z.output<typeof JobRecordSchema>, JobRecord>
>;
