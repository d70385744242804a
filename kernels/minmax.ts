// minmax: per-column scaling of a float32 matrix to [min, max] (default [0, 1]). Column ranges in one CPU
// pass, the per-element affine map in a gpu.js kernel.
import { accumulateColumnRange, emptyColumnRange } from './column-range.ts';
import { affineColumns, affineOnGpu } from './gpujs/affine-columns.ts';
import { sharedGpu } from './gpujs/gpu-instance.ts';
import { type KernelDefinition, type ParamsResult, unknownParamProblems } from './kernel-definition.ts';
import { createMatrix, type Matrix } from './matrix.ts';
import { finiteNumberParam } from './param-checks.ts';
import { forEachRowChunk } from './row-chunks.ts';

export interface MinmaxParams {
  /** The value a column's smallest value maps to. */
  min: number;
  /** The value a column's largest value maps to; greater than `min`. */
  max: number;
}

export const minmax: KernelDefinition<MinmaxParams> = {
  name: 'minmax',
  description:
    'Per-column scaling of a float32 matrix to [min, max] (default [0, 1]). NaN stays NaN and is left ' +
    'out of the column range; a constant column becomes min; a column with only NaN stays NaN.',
  parseParams,
  run: async (input, params, context) => {
    const range = emptyColumnRange(input.cols);
    await forEachRowChunk(input, context.signal, (values) =>
      accumulateColumnRange(range, values, input.cols),
    );
    if (input.rows === 0) return { output: createMatrix(0, input.cols), backend: 'none (empty input)' };
    const { shift, scale } = columnMaps(range.min, range.max, params);
    const offset = new Float64Array(input.cols).fill(params.min);
    const { output, backend } = await affineOnGpu(
      sharedGpu(),
      input,
      affineColumns(shift, scale, offset),
      context,
      { keepOutput: true, overInput: context.inputDisposable === true },
    );
    let constantColumns = 0;
    let emptyColumns = 0;
    for (let c = 0; c < input.cols; c++) {
      if (range.min[c] === Infinity) emptyColumns++;
      else if (range.min[c] === range.max[c]) constantColumns++;
    }
    return { output: output!, backend, details: { constantColumns, emptyColumns } };
  },
  reference: minmaxReference,
};

function parseParams(raw: Record<string, unknown>): ParamsResult<MinmaxParams> {
  const problems = unknownParamProblems(raw, ['min', 'max']);
  const min = finiteNumberParam(raw, 'min', 0, problems);
  const max = finiteNumberParam(raw, 'max', 1, problems);
  if (problems.length === 0 && !(min < max)) {
    problems.push({ field: 'params.max', message: `must be greater than min (${min})` });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, params: { min, max } };
}

/** Shift by the column minimum, scale its range onto the target's; a constant or empty column scales by 0. */
function columnMaps(
  columnMin: Float64Array,
  columnMax: Float64Array,
  params: MinmaxParams,
): { shift: Float64Array; scale: Float64Array } {
  const shift = Float64Array.from(columnMin, (value) => (Number.isFinite(value) ? value : 0));
  const scale = Float64Array.from(columnMin, (low, c) => {
    const width = columnMax[c]! - low;
    return width > 0 && Number.isFinite(width) ? (params.max - params.min) / width : 0;
  });
  return { shift, scale };
}

/** The textbook computation, column by column, in float64. */
export function minmaxReference(input: Matrix, params: MinmaxParams): Float64Array {
  const { rows, cols, data } = input;
  const result = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    let low = Infinity;
    let high = -Infinity;
    for (let r = 0; r < rows; r++) {
      const value = data[r * cols + c]!;
      if (Number.isNaN(value)) continue;
      low = Math.min(low, value);
      high = Math.max(high, value);
    }
    for (let r = 0; r < rows; r++) {
      const value = data[r * cols + c]!;
      if (Number.isNaN(value)) result[r * cols + c] = Number.NaN;
      else if (high === low) result[r * cols + c] = params.min;
      else result[r * cols + c] = params.min + ((value - low) / (high - low)) * (params.max - params.min);
    }
  }
  return result;
}
