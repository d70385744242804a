// profile: a data-quality report per column (count, missing, infinite, min, max, mean, std, z-score
// outliers) plus duplicate rows and the error-to-data ratio, written as JSON. Statistics in float64 on
// the CPU in one chunked pass; the per-element z-scores for the outlier count on gpu.js.
import { accumulateColumnRange, emptyColumnRange } from './column-range.ts';
import { accumulateColumnStats, emptyColumnStats, standardDeviation } from './column-stats.ts';
import { countDuplicateRows } from './duplicate-rows.ts';
import { affineColumns, affineOnGpu } from './gpujs/affine-columns.ts';
import { sharedGpu } from './gpujs/gpu-instance.ts';
import { type KernelDefinition, type ParamsResult, unknownParamProblems } from './kernel-definition.ts';
import type { Matrix } from './matrix.ts';
import { forEachRowChunk } from './row-chunks.ts';

export interface ProfileParams {
  /** A finite value is an outlier when |x - mean| / std exceeds this (std with ddof 0). */
  zThreshold: number;
}

export interface ColumnProfile {
  column: number;
  /** Finite values: the ones the statistics describe. */
  count: number;
  /** NaN values. */
  missing: number;
  /** +Infinity or -Infinity values. */
  infinite: number;
  /** null where the column has no finite value. */
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Population standard deviation (ddof 0). */
  std: number | null;
  outliers: number;
}

export interface ProfileReport {
  rows: number;
  cols: number;
  zThreshold: number;
  columns: ColumnProfile[];
  /** Rows identical bit for bit to an earlier row. */
  duplicateRows: number;
  /** Cells that are NaN or infinite. */
  errorCells: number;
  /** Finite cells. */
  dataCells: number;
  /** errorCells / dataCells; null when there is no finite cell. */
  errorToDataRatio: number | null;
}

export const profile: KernelDefinition<ProfileParams, ProfileReport, ProfileReport> = {
  name: 'profile',
  description:
    'Data-quality report per column: count (finite values), missing (NaN), infinite, min, max, mean, std ' +
    '(ddof 0), outliers (|z| > zThreshold, default 3); plus duplicate rows and the error-to-data ratio ' +
    '(NaN and infinite cells / finite cells). Output: a .json file.',
  outputFormat: 'json',
  parseParams,
  run: async (input, params, context) => {
    const { cols } = input;
    const stats = emptyColumnStats(cols);
    const range = emptyColumnRange(cols);
    const missing = new Float64Array(cols);
    const infinite = new Float64Array(cols);
    await forEachRowChunk(input, context.signal, (values) => {
      // Infinities are errors, not data: counted, then left out of the statistics like NaN.
      const chunk = values.slice();
      for (let i = 0; i < chunk.length; i++) {
        const value = chunk[i]!;
        if (Number.isNaN(value)) missing[i % cols]!++;
        else if (!Number.isFinite(value)) {
          infinite[i % cols]!++;
          chunk[i] = Number.NaN;
        }
      }
      accumulateColumnStats(stats, chunk, cols);
      accumulateColumnRange(range, chunk, cols);
    });
    const std = Float64Array.from({ length: cols }, (_, c) => standardDeviation(stats, c, 0));
    const outliers = new Float64Array(cols);
    let backend = 'none (empty input)';
    if (input.rows > 0) {
      const scale = Float64Array.from(std, (value) => (value > 0 ? 1 / value : 0));
      const coefficients = affineColumns(stats.mean, scale, new Float64Array(cols));
      const result = await affineOnGpu(sharedGpu(), input, coefficients, context, {
        keepOutput: false,
        onChunk: (values, z) => {
          for (let i = 0; i < values.length; i++) {
            if (Number.isFinite(values[i]!) && Math.abs(z[i]!) > params.zThreshold) outliers[i % cols]!++;
          }
        },
      });
      backend = result.backend;
    }
    const columns = Array.from({ length: cols }, (_, c) => {
      const count = stats.count[c]!;
      return {
        column: c,
        count,
        missing: missing[c]!,
        infinite: infinite[c]!,
        min: count > 0 ? range.min[c]! : null,
        max: count > 0 ? range.max[c]! : null,
        mean: count > 0 ? stats.mean[c]! : null,
        std: count > 0 ? std[c]! : null,
        outliers: outliers[c]!,
      };
    });
    const report = summarize(input, params, columns, countDuplicateRows(input.data, cols));
    return {
      output: report,
      backend,
      details: { duplicateRows: report.duplicateRows, errorToDataRatio: report.errorToDataRatio },
    };
  },
  reference: profileReference,
};

function summarize(
  input: Matrix,
  params: ProfileParams,
  columns: ColumnProfile[],
  duplicateRows: number,
): ProfileReport {
  const errorCells = columns.reduce((sum, column) => sum + column.missing + column.infinite, 0);
  const dataCells = columns.reduce((sum, column) => sum + column.count, 0);
  return {
    rows: input.rows,
    cols: input.cols,
    zThreshold: params.zThreshold,
    columns,
    duplicateRows,
    errorCells,
    dataCells,
    errorToDataRatio: dataCells > 0 ? errorCells / dataCells : null,
  };
}

function parseParams(raw: Record<string, unknown>): ParamsResult<ProfileParams> {
  const problems = unknownParamProblems(raw, ['zThreshold']);
  const zThreshold = raw['zThreshold'] ?? 3;
  if (typeof zThreshold !== 'number' || !Number.isFinite(zThreshold) || zThreshold <= 0) {
    problems.push({ field: 'params.zThreshold', message: 'must be a finite number greater than 0' });
  }
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, params: { zThreshold: zThreshold as number } };
}

/** The textbook computation, column by column, in float64. */
export function profileReference(input: Matrix, params: ProfileParams): ProfileReport {
  const { rows, cols, data } = input;
  const columns: ColumnProfile[] = [];
  for (let c = 0; c < cols; c++) {
    const values: number[] = [];
    let missing = 0;
    let infinite = 0;
    for (let r = 0; r < rows; r++) {
      const value = data[r * cols + c]!;
      if (Number.isNaN(value)) missing++;
      else if (!Number.isFinite(value)) infinite++;
      else values.push(value);
    }
    const count = values.length;
    const mean = values.reduce((sum, value) => sum + value, 0) / count;
    const std = Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / count);
    const outliers =
      std > 0 ? values.filter((value) => Math.abs(value - mean) / std > params.zThreshold).length : 0;
    columns.push({
      column: c,
      count,
      missing,
      infinite,
      min: count > 0 ? values.reduce((low, value) => Math.min(low, value)) : null,
      max: count > 0 ? values.reduce((high, value) => Math.max(high, value)) : null,
      mean: count > 0 ? mean : null,
      std: count > 0 ? std : null,
      outliers,
    });
  }
  const seen = new Set<string>();
  let duplicateRows = 0;
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let r = 0; r < rows; r++) {
    const key = Array.from(bits.subarray(r * cols, (r + 1) * cols)).join(',');
    if (seen.has(key)) duplicateRows++;
    else seen.add(key);
  }
  return summarize(input, params, columns, duplicateRows);
}
