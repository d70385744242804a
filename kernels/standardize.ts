// standardize: per-column z-score, NaN-aware. Column statistics in float64 on the CPU (one careful pass),
// the per-element transform in a gpu.js kernel.
import { accumulateColumnStats, emptyColumnStats, standardDeviation } from './column-stats.ts';
import { sharedGpu } from './gpujs/gpu-instance.ts';
import { columnTransform, standardizeOnGpu } from './gpujs/standardize-transform.ts';
import { type KernelDefinition, type ParamsResult, unknownParamProblems } from './kernel-definition.ts';
import { createMatrix, type Matrix } from './matrix.ts';
import { forEachRowChunk } from './row-chunks.ts';

export interface StandardizeParams {
  /** Delta degrees of freedom: 0 for the population standard deviation, 1 for the sample one. */
  ddof: 0 | 1;
}

export const standardize: KernelDefinition<StandardizeParams> = {
  name: 'standardize',
  description:
    'Per-column z-score (x - mean) / std of a float32 matrix. NaN stays NaN and is left out of the ' +
    "column's mean and std; a column with std 0 becomes 0. Params: ddof 0 (default) or 1.",
  parseParams,
  run: async (input, params, context) => {
    const mean = new Float64Array(input.cols);
    const std = new Float64Array(input.cols);
    const stats = emptyColumnStats(input.cols);
    await forEachRowChunk(input, context.signal, (values) =>
      accumulateColumnStats(stats, values, input.cols),
    );
    for (let c = 0; c < input.cols; c++) {
      mean[c] = stats.mean[c]!;
      std[c] = standardDeviation(stats, c, params.ddof);
    }
    if (input.rows === 0) return { output: createMatrix(0, input.cols), backend: 'none (empty input)' };
    const { output, backend } = await standardizeOnGpu(
      sharedGpu(),
      input,
      columnTransform(mean, std),
      context,
    );
    return { output, backend, details: { constantColumns: countZeros(std) } };
  },
  reference: standardizeReference,
};

function parseParams(raw: Record<string, unknown>): ParamsResult<StandardizeParams> {
  const problems = unknownParamProblems(raw, ['ddof']);
  const ddof = raw['ddof'] ?? 0;
  if (ddof !== 0 && ddof !== 1) problems.push({ field: 'params.ddof', message: 'must be 0 or 1' });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, params: { ddof: ddof as 0 | 1 } };
}

/** The textbook computation, column by column, in float64. */
export function standardizeReference(input: Matrix, params: StandardizeParams): Float64Array {
  const { rows, cols, data } = input;
  const result = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    const values: number[] = [];
    for (let r = 0; r < rows; r++) {
      const value = data[r * cols + c]!;
      if (!Number.isNaN(value)) values.push(value);
    }
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const squares = values.reduce((sum, value) => sum + (value - mean) ** 2, 0);
    const divisor = values.length - params.ddof;
    const std = divisor > 0 ? Math.sqrt(squares / divisor) : 0;
    for (let r = 0; r < rows; r++) {
      const value = data[r * cols + c]!;
      result[r * cols + c] = Number.isNaN(value) ? Number.NaN : std > 0 ? (value - mean) / std : 0;
    }
  }
  return result;
}

function countZeros(values: Float64Array): number {
  return values.filter((value) => value === 0).length;
}
