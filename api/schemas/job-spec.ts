// The job spec: one schema validates REST bodies and CLI YAML and generates the OpenAPI document.
import { z } from 'zod';
import { InferenceParamsSchema } from '../../kernels/onnx/inference-params.ts';
import { arraySpecFields, arraySpecIssues } from './array-spec.ts';
import { RETRY_LIMITS, RetryStrategySchema } from './retry-strategy.ts';

/** Upper bounds that catch typos (gpus: 800) long before any real cluster would. */
export const LIMITS = {
  gpus: 64,
  cpuMilli: 1_024_000,
  memoryMiB: 16 * 1024 * 1024,
  timeoutSeconds: 30 * 24 * 3600,
  retryAttempts: RETRY_LIMITS.attempts,
  gangNodes: 1024,
  nameLength: 128,
  /** Linux's PATH_MAX. */
  pathLength: 4096,
  /** A Kubernetes label key: a DNS-subdomain prefix (253), "/", a name (63). */
  labelKeyLength: 317,
  gpuModels: 64,
} as const;

const name = z
  .string()
  .min(1)
  .max(LIMITS.nameLength)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'letters, digits, ".", "_" and "-", starting with a letter or digit',
  );

export const ResourcesSchema = z
  .strictObject({
    gpus: z.int().min(0).max(LIMITS.gpus).default(0).describe('Whole GPUs on one node.'),
    gpuMilli: z
      .int()
      .min(0)
      .max(999)
      .default(0)
      .describe('A share of one GPU in thousandths (1..999); use gpus for whole GPUs.'),
    gpuModel: z
      .array(z.string().min(1).max(LIMITS.nameLength))
      .max(LIMITS.gpuModels)
      .default([])
      .describe('Allowed GPU models; empty means any.'),
    cpuMilli: z.int().min(1).max(LIMITS.cpuMilli).default(1000),
    memoryMiB: z.int().min(1).max(LIMITS.memoryMiB).default(1024),
  })
  .refine((r) => !(r.gpus > 0 && r.gpuMilli > 0), {
    message: 'set either gpus (whole GPUs) or gpuMilli (a share of one GPU), not both',
    path: ['gpuMilli'],
  });

export const DataLocationSchema = z
  .string()
  .min(1)
  .max(LIMITS.pathLength)
  .describe('A file path (.npy or .jsonl; inference also reads .csv).');

export const JobSpecSchema = z
  .strictObject({
    name,
    queue: name.default('default'),
    kind: z.enum(['kernel', 'inference']),
    kernel: z.string().min(1).max(LIMITS.nameLength).optional().describe('Kernel name, for kind "kernel".'),
    model: z
      .string()
      .min(1)
      .max(LIMITS.pathLength)
      .optional()
      .describe('Path of the ONNX model, for kind "inference".'),
    input: DataLocationSchema,
    output: DataLocationSchema,
    params: z
      .record(z.string(), z.unknown())
      .default({})
      .describe("The kernel's parameters, or for kind inference: docs/runner.md, Inference parameters."),
    resources: ResourcesSchema.default({
      gpus: 0,
      gpuMilli: 0,
      gpuModel: [],
      cpuMilli: 1000,
      memoryMiB: 1024,
    }),
    priority: z.int().min(-1000).max(1000).default(0),
    timeoutSeconds: z
      .int()
      .min(1)
      .max(LIMITS.timeoutSeconds)
      .default(3600)
      .describe(
        "AWS Batch's timeout.attemptDurationSeconds: an attempt running longer is stopped and the job FAILED, not retried.",
      ),
    retry: RetryStrategySchema,
    idempotencyKey: z.string().min(1).max(256).optional(),
    shareIdentifier: z
      .string()
      .min(1)
      .max(LIMITS.nameLength)
      .optional()
      .describe("Fair-share group: a queue's fair-share weights split capacity between these."),
    nodes: z
      .int()
      .min(1)
      .max(LIMITS.gangNodes)
      .default(1)
      .describe('Gang size: this many members, each with `resources`, all started together or none.'),
    sameLabel: z
      .string()
      .min(1)
      .max(LIMITS.labelKeyLength)
      .optional()
      .describe('For a gang: all members on nodes with the same value of this node label (zone, rack).'),
    ...arraySpecFields,
  })
  .superRefine((spec, ctx) => {
    for (const issue of arraySpecIssues(spec)) ctx.addIssue({ code: 'custom', ...issue });
    if (spec.kind === 'kernel' && !spec.kernel) {
      ctx.addIssue({ code: 'custom', path: ['kernel'], message: 'required when kind is "kernel"' });
    }
    if (spec.kind === 'inference' && !spec.model) {
      ctx.addIssue({ code: 'custom', path: ['model'], message: 'required when kind is "inference"' });
    }
    if (spec.kind === 'inference') {
      // Kernel params are checked by each kernel at preflight; inference params have one schema here.
      const params = InferenceParamsSchema.safeParse(spec.params);
      for (const issue of params.success ? [] : params.error.issues) {
        ctx.addIssue({ ...issue, path: ['params', ...issue.path] } as never);
      }
    }
  });

export type JobSpec = z.output<typeof JobSpecSchema>;
export type JobSpecInput = z.input<typeof JobSpecSchema>;
