// A per-column affine map on gpu.js, y = (x - shiftHi - shiftLo) * scale + offset, one chunk of rows per
// kernel call, so inputs of any size run in buffers of TRANSFORM_VALUES_PER_CHUNK. standardize, minmax and
// profile use it.
import type { GPU } from 'gpu.js';
import type { KernelContext } from '../kernel-definition.ts';
import { createMatrix, type Matrix, rowSlice } from '../matrix.ts';
import { affineKernel } from './affine-kernels.ts';

/** About 1 MiB of float32: the CPU passes' chunk (it stays in cache while every column is walked). */
export const VALUES_PER_CHUNK = 1 << 18;

/**
 * 16 MiB of float32 per transform call. Each call is a dispatch to gpu.js's worker pool and back; at 1 MiB
 * the dispatches cost about a quarter of the transform (10M x 16: 2.9 s at 1 MiB, 2.1 s at 16 MiB).
 */
export const TRANSFORM_VALUES_PER_CHUNK = 1 << 22;

/** Backends whose float arithmetic is IEEE-754, so NaN in gives NaN out without help. */
const NAN_PROPAGATING_BACKENDS = new Set(['gpu.js:webasm', 'gpu.js:cpu']);

/** Per-column float32 coefficients; the shift is split into hi + lo floats so float32 loses little of it. */
export interface AffineColumns {
  shiftHi: Float32Array;
  shiftLo: Float32Array;
  scale: Float32Array;
  offset: Float32Array;
}

export function affineColumns(shift: Float64Array, scale: Float64Array, offset: Float64Array): AffineColumns {
  const shiftHi = Float32Array.from(shift);
  return {
    shiftHi,
    shiftLo: Float32Array.from(shift, (value, c) => value - shiftHi[c]!),
    scale: Float32Array.from(scale),
    offset: Float32Array.from(offset),
  };
}

/** Called with each finished chunk: the input rows and their transformed values (NaN kept). */
export type ChunkListener = (input: Float32Array, output: Float32Array, firstRow: number) => void;

/**
 * Transforms `input` into a new matrix (or over the input itself with `overInput`), or only streams chunks
 * to `onChunk` when `keepOutput` is false (profile needs the values, not a second matrix). Progress is
 * reported in rows after each chunk.
 */
export async function affineOnGpu(
  gpu: GPU,
  input: Matrix,
  coefficients: AffineColumns,
  context: KernelContext,
  options: { keepOutput: boolean; overInput?: boolean; onChunk?: ChunkListener; valuesPerChunk?: number },
): Promise<{ output: Matrix | undefined; backend: string }> {
  const output = options.keepOutput
    ? options.overInput
      ? input
      : createMatrix(input.rows, input.cols)
    : undefined;
  const kernel = affineKernel(gpu, input.cols);
  const valuesPerChunk = options.valuesPerChunk ?? TRANSFORM_VALUES_PER_CHUNK;
  const rowsPerChunk = Math.max(1, Math.floor(valuesPerChunk / Math.max(1, input.cols)));
  // Known once the first call has built the kernel on a backend.
  let backend = '';
  for (let start = 0; start < input.rows; start += rowsPerChunk) {
    context.signal.throwIfAborted();
    const end = Math.min(input.rows, start + rowsPerChunk);
    const values = rowSlice(input, start, end);
    const result = await kernel.run(values, end - start, coefficients);
    if (!backend) {
      backend = kernel.backend();
      context.onBackend(backend);
    }
    // GLSL and WGSL do not promise NaN propagation, so there NaN inputs are restored; wasm and JS do.
    if (!NAN_PROPAGATING_BACKENDS.has(backend)) restoreNaN(values, result);
    // Before the result is written: over the input, `values` would be the result.
    options.onChunk?.(values, result, start);
    if (output) rowSlice(output, start, end).set(result);
    context.onProgress(end, input.rows);
  }
  return { output, backend };
}

function restoreNaN(input: Float32Array, output: Float32Array): void {
  for (let i = 0; i < input.length; i++) if (Number.isNaN(input[i]!)) output[i] = Number.NaN;
}
