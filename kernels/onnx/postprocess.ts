// Per-row post-processing of a model output of shape (rows, classes): softmax, argmax, top-k, and the
// confidence (top probability) that routes uncertain rows to review.
import { ModelError } from '../kernel-errors.ts';
import { halfToNumber } from './element-types.ts';
import type { OutputBlock } from './run-inference.ts';

export type PostprocessOp = 'none' | 'argmax' | 'softmax' | 'topk';

/** A named per-row value written to the output: a scalar per row (rowShape []) or a vector. */
export interface OutputField {
  name: string;
  type: string;
  rowShape: number[];
  data: ArrayLike<number | bigint>;
}

/** The scores of a (rows, classes) output as float32, whatever float type the model gave. */
export function classScores(block: OutputBlock): { classes: number; scores: Float32Array } {
  if (block.rowShape.length !== 1) {
    throw new ModelError(
      `post-processing needs output "${block.name}" of shape (rows, classes); it has rows of (${block.rowShape.join(', ')})`,
    );
  }
  const classes = block.rowShape[0]!;
  if (block.type === 'float32') return { classes, scores: block.data as Float32Array };
  if (block.type === 'float16') {
    return { classes, scores: Float32Array.from(block.data as Uint16Array, halfToNumber) };
  }
  if (block.type === 'float64') return { classes, scores: Float32Array.from(block.data as Float64Array) };
  throw new ModelError(`post-processing needs a float output; "${block.name}" is ${block.type}`);
}

/** Softmax of each row, in float64 with the row maximum subtracted so large logits do not overflow. */
export function softmaxRows(scores: Float32Array, rows: number, classes: number): Float32Array {
  const result = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    const offset = r * classes;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) max = Math.max(max, scores[offset + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(scores[offset + c]! - max);
    for (let c = 0; c < classes; c++) result[offset + c] = Math.exp(scores[offset + c]! - max) / sum;
  }
  return result;
}

/** Index of each row's largest score (the first one on ties, as numpy's argmax) and that score. */
export function argmaxRows(
  scores: Float32Array,
  rows: number,
  classes: number,
): { indices: BigInt64Array; values: Float32Array } {
  const indices = new BigInt64Array(rows);
  const values = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const offset = r * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[offset + c]! > scores[offset + best]!) best = c;
    indices[r] = BigInt(best);
    values[r] = scores[offset + best]!;
  }
  return { indices, values };
}

/** The k largest scores of each row, largest first; equal scores in class order. */
export function topkRows(
  scores: Float32Array,
  rows: number,
  classes: number,
  k: number,
): { indices: BigInt64Array; values: Float32Array } {
  if (k > classes) throw new ModelError(`topk k=${k} exceeds the ${classes} classes of the output`);
  const indices = new BigInt64Array(rows * k);
  const values = new Float32Array(rows * k);
  const order = Array.from({ length: classes }, (_, c) => c);
  for (let r = 0; r < rows; r++) {
    const offset = r * classes;
    order.sort((a, b) => scores[offset + b]! - scores[offset + a]! || a - b);
    for (let i = 0; i < k; i++) {
      indices[r * k + i] = BigInt(order[i]!);
      values[r * k + i] = scores[offset + order[i]!]!;
    }
    for (let c = 0; c < classes; c++) order[c] = c;
  }
  return { indices, values };
}

/** What gets written for the first selected output, after the post-processing `op`. */
export function postprocessFields(
  op: PostprocessOp,
  k: number | undefined,
  block: OutputBlock,
  rows: number,
): { fields: OutputField[]; probabilities?: { classes: number; values: Float32Array } } {
  if (op === 'none') return { fields: [asField(block)] };
  const { classes, scores } = classScores(block);
  if (op === 'softmax') {
    const values = softmaxRows(scores, rows, classes);
    return {
      fields: [{ name: block.name, type: 'float32', rowShape: [classes], data: values }],
      probabilities: { classes, values },
    };
  }
  if (op === 'argmax') {
    const { indices } = argmaxRows(scores, rows, classes);
    return { fields: [{ name: 'prediction', type: 'int64', rowShape: [], data: indices }] };
  }
  const { indices, values } = topkRows(scores, rows, classes, k ?? 1);
  return {
    fields: [
      { name: 'indices', type: 'int64', rowShape: [k ?? 1], data: indices },
      { name: 'scores', type: 'float32', rowShape: [k ?? 1], data: values },
    ],
  };
}

export function asField(block: OutputBlock): OutputField {
  if (typeof (block.data as unknown[])[0] === 'string') {
    throw new ModelError(`model output "${block.name}" is a string tensor; batch inference writes numbers`);
  }
  return {
    name: block.name,
    type: block.type,
    rowShape: block.rowShape,
    data: block.data as ArrayLike<number | bigint>,
  };
}
