// Job definitions (AWS Batch's RegisterJobDefinition): a named, revisioned template for job specs,
// and the body of a submission that names one. Built from the job spec's own parts.
import { z } from 'zod';
import { DataLocationSchema, JobSpecSchema, LIMITS, ResourcesSchema } from './job-spec.ts';
import { RetryStrategySchema } from './retry-strategy.ts';

export const JOB_DEFINITION_STATUSES = ['ACTIVE', 'INACTIVE'] as const;
export type JobDefinitionStatus = (typeof JOB_DEFINITION_STATUSES)[number];
export const JobDefinitionStatusSchema = z.enum(JOB_DEFINITION_STATUSES);

export const JOB_DEFINITION_LIMITS = {
  parameters: 100,
  parameterValueLength: 4096,
  tags: 50,
} as const;

/** Placeholder names: `Ref::` is followed by the longest run of these characters. */
export const PARAMETER_NAME = /^[A-Za-z0-9_]+$/;

const spec = JobSpecSchema.shape;
const res = ResourcesSchema.shape;

/** Same rules as a job name; no ":" so that "name:3" is unambiguous. */
export const JobDefinitionNameSchema = spec.name;

export const ParametersSchema = z
  .record(z.string(), z.string().max(JOB_DEFINITION_LIMITS.parameterValueLength))
  .superRefine((parameters, ctx) => {
    // Checked here, not by a key schema, so the problem names the key with a clear message.
    for (const key of Object.keys(parameters)) {
      if (!PARAMETER_NAME.test(key))
        ctx.addIssue({ code: 'custom', path: [key], message: 'parameter names are letters, digits and "_"' });
    }
    if (Object.keys(parameters).length > JOB_DEFINITION_LIMITS.parameters)
      ctx.addIssue({ code: 'custom', message: `at most ${JOB_DEFINITION_LIMITS.parameters} parameters` });
  })
  .describe('Values for `Ref::<name>` placeholders (strings).');

/** Resources as written, without defaults, so a submission can override single fields. */
export const ResourcesOverrideSchema = z.strictObject({
  gpus: res.gpus.unwrap().optional(),
  gpuMilli: res.gpuMilli.unwrap().optional(),
  gpuModel: res.gpuModel.unwrap().optional(),
  cpuMilli: res.cpuMilli.unwrap().optional(),
  memoryMiB: res.memoryMiB.unwrap().optional(),
});

const timeoutSeconds = z.int().min(1).max(LIMITS.timeoutSeconds);
const retry = RetryStrategySchema.unwrap();

/** The body of POST /v1/job-definitions. Absent fields take the job spec's defaults at submit. */
export const JobDefinitionSchema = z
  .strictObject({
    name: JobDefinitionNameSchema,
    kind: spec.kind,
    kernel: z.string().min(1).optional().describe('Kernel name, for kind "kernel"; may hold Ref::x.'),
    model: z.string().min(1).optional().describe('ONNX model path, for kind "inference"; may hold Ref::x.'),
    input: DataLocationSchema.describe('Input path; may hold Ref::x placeholders.'),
    output: DataLocationSchema.describe('Output path; may hold Ref::x placeholders.'),
    params: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Default job params; strings in them may hold Ref::x placeholders.'),
    parameters: ParametersSchema.default({}).describe('Default values of the Ref::x placeholders.'),
    resources: ResourcesOverrideSchema.optional(),
    retry: retry.optional(),
    timeoutSeconds: timeoutSeconds.optional(),
    queue: JobDefinitionNameSchema.optional().describe('Queue used when the submission names none.'),
    priority: z.int().min(-1000).max(1000).optional(),
    tags: z
      .record(z.string().min(1).max(128), z.string().max(256))
      .refine((t) => Object.keys(t).length <= JOB_DEFINITION_LIMITS.tags, {
        message: `at most ${JOB_DEFINITION_LIMITS.tags} tags`,
      })
      .optional()
      .describe('Free-form labels, kept with the definition.'),
  })
  .superRefine((d, ctx) => {
    if (d.kind === 'kernel' && !d.kernel)
      ctx.addIssue({ code: 'custom', path: ['kernel'], message: 'required when kind is "kernel"' });
    if (d.kind === 'inference' && !d.model)
      ctx.addIssue({ code: 'custom', path: ['model'], message: 'required when kind is "inference"' });
    if (d.resources?.gpus && d.resources.gpuMilli)
      ctx.addIssue({
        code: 'custom',
        path: ['resources', 'gpuMilli'],
        message: 'set either gpus (whole GPUs) or gpuMilli (a share of one GPU), not both',
      });
  });

export type JobDefinition = z.output<typeof JobDefinitionSchema>;
export type JobDefinitionInput = z.input<typeof JobDefinitionSchema>;

/** "name" (latest ACTIVE revision) or "name:3". */
export const JobDefinitionRefSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(:[1-9][0-9]{0,9})?$/,
    'a job definition name, or name:revision (e.g. "resize:3")',
  );

/** A registered revision, as stored and returned. */
export const JobDefinitionRecordSchema = JobDefinitionSchema.safeExtend({
  jobDefinition: z.string().describe('"name:revision", the reference a submission may use.'),
  revision: z.int().min(1),
  status: JobDefinitionStatusSchema.describe('INACTIVE once deregistered: describable, not submittable.'),
  registeredAt: z.number().describe('Epoch milliseconds.'),
  deregisteredAt: z.number().optional().describe('Epoch milliseconds.'),
});
export type JobDefinitionRecord = JobDefinition & {
  jobDefinition: string;
  revision: number;
  status: JobDefinitionStatus;
  registeredAt: number;
  deregisteredAt?: number;
};

/**
 * The body of POST /v1/jobs when it names a job definition: the definition gives the spec, these fields
 * override it (params and resources field by field, parameters name by name).
 */
export const DefinitionSubmissionSchema = z.strictObject({
  jobDefinition: JobDefinitionRefSchema,
  name: spec.name.optional().describe("The job's name; default the definition's name."),
  queue: JobDefinitionNameSchema.optional(),
  parameters: ParametersSchema.optional().describe("Override the definition's parameter defaults."),
  params: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("Merged over the definition's params, key by key; taken literally (no Ref:: substitution)."),
  resources: ResourcesOverrideSchema.optional().describe(
    "Override the definition's resources field by field; gpus or gpuMilli replaces both.",
  ),
  retry: retry.optional(),
  timeoutSeconds: timeoutSeconds.optional(),
  priority: z.int().min(-1000).max(1000).optional(),
  idempotencyKey: spec.idempotencyKey,
  shareIdentifier: spec.shareIdentifier,
});
export type DefinitionSubmission = z.output<typeof DefinitionSubmissionSchema>;

export const ListJobDefinitionsQuerySchema = z.strictObject({
  name: JobDefinitionNameSchema.optional().describe('Only revisions of this name.'),
  status: JobDefinitionStatusSchema.optional().describe('Only ACTIVE or only INACTIVE revisions.'),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Page size, 1..500.'),
  cursor: z.string().min(1).max(1024).optional().describe("A previous page's nextCursor."),
});
export type ListJobDefinitionsQuery = z.output<typeof ListJobDefinitionsQuerySchema>;

export const JobDefinitionPageSchema = z.object({
  jobDefinitions: z.array(JobDefinitionRecordSchema),
  nextCursor: z.string().optional().describe('Absent on the last page.'),
});

// Fails the type check when the record schema and the record type drift apart.
type Assert<T extends true> = T;
type MutuallyAssignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type JobDefinitionRecordSchemaMatchesType = Assert<
  MutuallyAssignable<z.output<typeof JobDefinitionRecordSchema>, JobDefinitionRecord>
>;
