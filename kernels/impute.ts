// impute: NaN replaced per column by the column's mean, its median, or a constant. Both the statistics
// and the replacement run on the CPU: the replacement is a select on NaN, which GLSL and WGSL do not
// promise to evaluate (they may assume no NaN exists), and as one memory-bound pass it gains nothing
// from gpu.js on this machine. The result records the backend as "js:cpu".
import { accumulateColumnStats, emptyColumnStats } from './column-stats.ts';
import { type KernelDefinition, type ParamsResult, unknownParamProblems } from './kernel-definition.ts';
import { InputMismatchError } from './kernel-errors.ts';
import { createMatrix, type Matrix } from './matrix.ts';
import { choiceParam, finiteNumberParam } from './param-checks.ts';
import { forEachRowChunk } from './row-chunks.ts';

export const IMPUTE_STRATEGIES = ['mean', 'median', 'constant'] as const;

export type ImputeParams =
  | { strategy: 'mean' | 'median' }
  | { strategy: 'constant' /** The value every NaN becomes. */; value: number };

export const impute: KernelDefinition<ImputeParams> = {
  name: 'impute',
  description:
    'Replaces NaN per column by the mean or median of its other values, or by a constant (params: ' +
    'strategy mean (default) | median | constant, value for constant). A column with only NaN fails ' +
    'mean and median.',
  parseParams,
  run: async (input, params, context) => {
    context.onBackend('js:cpu');
    const fill = await fillValues(input, params, context.signal);
    const output = createMatrix(input.rows, input.cols, input.data.slice());
    let replaced = 0;
    await forEachRowChunk(output, context.signal, (values, end) => {
      for (let i = 0; i < values.length; i++) {
        if (Number.isNaN(values[i]!)) {
          values[i] = fill[i % input.cols]!;
          replaced++;
        }
      }
      context.onProgress(end, input.rows);
    });
    return { output, backend: 'js:cpu', details: { replaced, fill: Array.from(fill) } };
  },
  reference: imputeReference,
};

function parseParams(raw: Record<string, unknown>): ParamsResult<ImputeParams> {
  const problems = unknownParamProblems(raw, ['strategy', 'value']);
  const strategy = choiceParam(raw, 'strategy', IMPUTE_STRATEGIES, 'mean', problems);
  if (strategy !== 'constant') {
    if (raw['value'] !== undefined) {
      problems.push({ field: 'params.value', message: 'only used with strategy constant' });
    }
    return problems.length > 0 ? { ok: false, problems } : { ok: true, params: { strategy } };
  }
  if (raw['value'] === undefined) {
    problems.push({ field: 'params.value', message: 'required for strategy constant' });
    return { ok: false, problems };
  }
  const value = finiteNumberParam(raw, 'value', 0, problems);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, params: { strategy, value } };
}

/** The value each column's NaN become, as float32 (what the output can hold). */
async function fillValues(input: Matrix, params: ImputeParams, signal: AbortSignal): Promise<Float32Array> {
  if (params.strategy === 'constant') return new Float32Array(input.cols).fill(params.value);
  if (params.strategy === 'median') {
    const medians = new Float32Array(input.cols);
    for (let c = 0; c < input.cols; c++) {
      signal.throwIfAborted();
      medians[c] = columnMedian(input, c);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return medians;
  }
  const stats = emptyColumnStats(input.cols);
  await forEachRowChunk(input, signal, (values) => accumulateColumnStats(stats, values, input.cols));
  for (let c = 0; c < input.cols; c++) requireValues(stats.count[c]!, c, 'mean');
  return Float32Array.from(stats.mean);
}

function columnMedian(input: Matrix, column: number): number {
  const values = new Float32Array(input.rows);
  let count = 0;
  for (let r = 0; r < input.rows; r++) {
    const value = input.data[r * input.cols + column]!;
    if (!Number.isNaN(value)) values[count++] = value;
  }
  requireValues(count, column, 'median');
  const sorted = values.subarray(0, count).sort();
  const middle = count >> 1;
  return count % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function requireValues(count: number, column: number, statistic: string): void {
  if (count === 0) {
    throw new InputMismatchError(
      `column ${column} has only NaN: it has no ${statistic} to impute; use strategy constant`,
    );
  }
}

/** The textbook computation, column by column, in float64 (the fill rounded to float32 like the output). */
export function imputeReference(input: Matrix, params: ImputeParams): Float64Array {
  const { rows, cols, data } = input;
  const result = Float64Array.from(data);
  for (let c = 0; c < cols; c++) {
    const values: number[] = [];
    for (let r = 0; r < rows; r++) if (!Number.isNaN(data[r * cols + c]!)) values.push(data[r * cols + c]!);
    let fill: number;
    if (params.strategy === 'constant') fill = params.value;
    else if (values.length === 0) throw new InputMismatchError(`column ${c} has only NaN`);
    else if (params.strategy === 'mean') fill = values.reduce((sum, value) => sum + value, 0) / values.length;
    else {
      values.sort((a, b) => a - b);
      const middle = values.length >> 1;
      fill = values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
    }
    for (let r = 0; r < rows; r++)
      if (Number.isNaN(data[r * cols + c]!)) result[r * cols + c] = Math.fround(fill);
  }
  return result;
}
