// Parameters of an inference job: one zod schema, used by the job spec (so the API names the bad field)
// and again by the runner (specs queued before a change are checked once more where they run).
import { z } from 'zod';
import type { FieldProblem } from '../../api/errors.ts';
import type { ParamsResult } from '../kernel-definition.ts';

export const DEFAULT_BATCH_SIZE = 256;
export const MAX_BATCH_SIZE = 65_536;
export const MAX_TOPK = 1024;
export const MAX_SHARDS = 100_000;

const BATCH_SIZE_MESSAGE = `must be an integer from 1 to ${MAX_BATCH_SIZE}`;

export const POSTPROCESS_OPS = ['none', 'argmax', 'softmax', 'topk'] as const;

export const InferenceParamsSchema = z
  .strictObject({
    batchSize: z
      .int({ error: BATCH_SIZE_MESSAGE })
      .min(1, { error: BATCH_SIZE_MESSAGE })
      .max(MAX_BATCH_SIZE, { error: BATCH_SIZE_MESSAGE })
      .default(DEFAULT_BATCH_SIZE)
      .describe('Rows per session.run; a model with a fixed batch dimension uses its own.'),
    inputName: z
      .string()
      .min(1)
      .optional()
      .describe('The model input to feed; default its first (and only) input.'),
    outputs: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Model outputs to write, in order; default the first output.'),
    postprocess: z
      .enum(POSTPROCESS_OPS)
      .default('none')
      .describe('Applied to the first selected output, per row: argmax, softmax or topk (with k).'),
    k: z.int().min(1).max(MAX_TOPK).optional().describe('For postprocess topk: how many classes.'),
    reviewBelow: z
      .number()
      .gt(0)
      .lte(1)
      .optional()
      .describe('Rows whose top probability is below this also go to the review output.'),
    reviewOutput: z
      .string()
      .min(1)
      .optional()
      .describe('The review JSONL file; default review.jsonl beside the output.'),
    shard: z
      .strictObject({
        index: z.int().min(0),
        count: z.int().min(1).max(MAX_SHARDS),
      })
      .optional()
      .describe('Process only the index-th of count contiguous slices of the rows.'),
  })
  .superRefine((params, ctx) => {
    if (params.postprocess === 'topk' && params.k === undefined) {
      ctx.addIssue({ code: 'custom', path: ['k'], message: 'required when postprocess is "topk"' });
    }
    if (params.postprocess !== 'topk' && params.k !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['k'], message: 'only used when postprocess is "topk"' });
    }
    if (params.shard && params.shard.index >= params.shard.count) {
      ctx.addIssue({ code: 'custom', path: ['shard', 'index'], message: 'must be less than shard.count' });
    }
    if (params.reviewOutput !== undefined && params.reviewBelow === undefined) {
      ctx.addIssue({ code: 'custom', path: ['reviewOutput'], message: 'only used with reviewBelow' });
    }
  });

export type InferenceParams = z.output<typeof InferenceParamsSchema>;

/** Field problems named "params.<path>", as the API and the runner report them. */
export function inferenceParamProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: ['params', ...path, key].join('.'),
        message: `unknown parameter; known: ${Object.keys(InferenceParamsSchema.shape).join(', ')}`,
      }));
    }
    return [{ field: ['params', ...path].join('.'), message: issue.message }];
  });
}

export function parseInferenceParams(raw: Record<string, unknown>): ParamsResult<InferenceParams> {
  const result = InferenceParamsSchema.safeParse(raw);
  return result.success
    ? { ok: true, params: result.data }
    : { ok: false, problems: inferenceParamProblems(result.error) };
}
