// Parameters of an inference job.
import { type ParamsResult, unknownParamProblems } from '../kernel-definition.ts';

export interface InferenceParams {
  /** Rows per session.run call: bounds memory and sets how often progress moves. */
  batchSize: number;
}

export const DEFAULT_BATCH_SIZE = 256;
export const MAX_BATCH_SIZE = 65_536;

export function parseInferenceParams(raw: Record<string, unknown>): ParamsResult<InferenceParams> {
  const problems = unknownParamProblems(raw, ['batchSize']);
  const batchSize = raw['batchSize'] ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || (batchSize as number) < 1 || (batchSize as number) > MAX_BATCH_SIZE) {
    problems.push({ field: 'params.batchSize', message: `must be an integer from 1 to ${MAX_BATCH_SIZE}` });
  }
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, params: { batchSize: batchSize as number } };
}
