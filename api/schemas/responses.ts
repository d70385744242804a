// Response bodies other than the job record, for the OpenAPI document.
import { z } from 'zod';
import { QueueSchema } from '../../scheduler/config.ts';
import { JobRecordSchema } from './job-record.ts';

export const JobPageSchema = z.object({
  jobs: z
    .array(JobRecordSchema)
    .describe('Newest first; fewer than limit, even none, when selective filters ended the scan early.'),
  nextCursor: z
    .string()
    .optional()
    .describe(
      'Absent on the last page. A position in the (createdAt, id) order: it never skips or repeats a job.',
    ),
});

export const QueueListSchema = z.object({
  queues: z.array(z.string()),
  /** Each queue with its settings (when queues are managed at run time). */
  jobQueues: z.array(QueueSchema).optional(),
});

export const HealthSchema = z.object({ status: z.literal('ok') });

export const ReadySchema = z.object({ status: z.literal('ready'), detail: z.string() });

export const FieldProblemSchema = z.object({
  field: z.string().describe('Dotted path into the request, e.g. "resources.gpus".'),
  message: z.string(),
});

export const ProblemSchema = z
  .object({
    type: z
      .string()
      .describe('A URI naming the kind of problem, e.g. "urn:gpubatch:problem:invalid-request".'),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().optional().describe('The request path.'),
    errors: z.array(FieldProblemSchema).optional(),
  })
  .describe('RFC 9457 problem details, served as application/problem+json.');

export const ComputeEnvironmentSchema = z.object({
  name: z.string(),
  type: z.enum(['local', 'kubernetes', 'simulated']),
  queues: z.array(z.string()).describe('The job queues that feed it.'),
  state: z.enum(['ENABLED', 'DISABLED']).optional().describe('DISABLED: nothing new is placed on it.'),
  maxNodes: z.int().optional().describe('The scheduler places on at most this many of its nodes (by name).'),
  minNodes: z
    .int()
    .optional()
    .describe('nodesWanted asks for at least enough nodes to reach this many (within maxNodes).'),
  nodes: z.int().optional().describe('Nodes of the pool, as the scheduler leader last saw them.'),
  schedulableNodes: z.int().optional(),
  gpus: z.int().optional(),
  pendingJobs: z.int().optional().describe("Jobs in the leader's look-ahead window waiting for a place."),
  nodesWanted: z
    .int()
    .nullable()
    .optional()
    .describe(
      'Autoscaling signal: more nodes of nodeShape that would let the waiting jobs run (null: no node to copy).',
    ),
  nodeShape: z
    .object({ gpus: z.int(), gpuModel: z.string(), cpuMilli: z.int(), memoryMiB: z.int() })
    .optional()
    .describe("The pool's most common node shape."),
  gpuUse: z
    .array(
      z.object({
        node: z.string(),
        unschedulable: z.boolean().optional(),
        usedMilli: z
          .array(z.int())
          .describe('Per GPU, by index: the share in use, 0 (free) to 1000 (whole GPU).'),
      }),
    )
    .optional()
    .describe("Each node's GPUs as the leader's allocations use them (gpubatch pools draws this)."),
  updatedAt: z.int().optional().describe('When the leader computed these numbers (ms since the epoch).'),
});

export const ComputeEnvironmentListSchema = z.object({
  computeEnvironments: z.array(ComputeEnvironmentSchema),
});
