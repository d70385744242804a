// A per-column affine map on gpu.js, y = (x - shiftHi - shiftLo) * scale + offset, one chunk of rows per
// kernel call, so inputs of any size run in buffers of TRANSFORM_VALUES_PER_CHUNK. standardize, minmax and
// profile use it.
import { GPU, type IKernelFunctionThis, Input } from 'gpu.js';
import type { KernelContext } from '../kernel-definition.ts';
import { createMatrix, type Matrix, rowSlice } from '../matrix.ts';
import { returnFlatOnWebAssembly } from './flat-output.ts';
import { gpuBackendName } from './gpu-instance.ts';

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

type AffineThis = IKernelFunctionThis<{ cols: number }>;

/** One chunk of rows through the map; the result is row-major, like the input. */
interface AffineKernel {
  /** 'rows': the 2D kernel for widths that are a multiple of 4 on webasm; 'flat': one value per thread. */
  shape: 'rows' | 'flat';
  run(values: Float32Array, rows: number, coefficients: AffineColumns): Promise<Float32Array>;
  /** The backend the last call ran on. */
  backend(): string;
}

/** Compiled once per (GPU instance, column count) and reused by later attempts in the same process. */
const kernels = new WeakMap<GPU, Map<number, AffineKernel>>();

/** Which kernel a matrix `cols` wide runs on with this GPU instance. */
export function affineKernelShape(gpu: GPU, cols: number): AffineKernel['shape'] {
  return affineKernel(gpu, cols).shape;
}

function affineKernel(gpu: GPU, cols: number): AffineKernel {
  let byCols = kernels.get(gpu);
  if (!byCols) {
    byCols = new Map();
    kernels.set(gpu, byCols);
  }
  let kernel = byCols.get(cols);
  if (!kernel) {
    kernel = cols % 4 === 0 && staysOnWebAssembly(gpu) ? rowsKernel(gpu, cols) : flatKernel(gpu, cols);
    byCols.set(cols, kernel);
  }
  return kernel;
}

const KERNEL_SETTINGS = {
  output: [1],
  dynamicOutput: true,
  dynamicArguments: true,
  // GL backends otherwise may pack floats into 8-bit channels, or compute at medium precision.
  precision: 'single',
  tactic: 'precision',
} as const;

/** Any backend, any width: one thread per value, its column found with a modulo. */
function flatKernel(gpu: GPU, cols: number): AffineKernel {
  const kernel = gpu.createKernel(
    function (
      this: AffineThis,
      x: number[],
      shiftHi: number[],
      shiftLo: number[],
      scale: number[],
      offset: number[],
    ) {
      const c = this.thread.x % this.constants.cols;
      return (x[this.thread.x]! - shiftHi[c]! - shiftLo[c]!) * scale[c]! + offset[c]!;
    },
    { ...KERNEL_SETTINGS, output: [1], constants: { cols } },
  );
  return {
    shape: 'flat',
    run: async (values, _rows, k) => {
      if (kernel.output?.[0] !== values.length) kernel.setOutput([values.length]);
      return (await kernel(values, k.shiftHi, k.shiftLo, k.scale, k.offset)) as Float32Array;
    },
    backend: () => gpuBackendName(kernel),
  };
}

/**
 * On webasm, for widths that are a multiple of 4, a 2D kernel (x the column, y the row) instead: its SIMD
 * quads are four columns of one row, so no modulo per value (lane-scalarized integer work on webasm): the
 * calls for 10M x 16 took about 15% less (medians 714 -> 609 ms, four alternating runs in one process,
 * 2026-11-28, load average 2-3). Elsewhere the flat
 * kernel: GL textures and WebGPU dispatches limit a 2D output's height, which the flat kernel's 1D output
 * does not meet.
 */
function rowsKernel(gpu: GPU, cols: number): AffineKernel {
  const kernel = gpu.createKernel(
    function (
      this: AffineThis,
      x: number[][],
      shiftHi: number[],
      shiftLo: number[],
      scale: number[],
      offset: number[],
    ) {
      const c = this.thread.x;
      return (x[this.thread.y]![c]! - shiftHi[c]! - shiftLo[c]!) * scale[c]! + offset[c]!;
    },
    { ...KERNEL_SETTINGS, output: [cols, 1] },
  );
  // Row by row views otherwise, one per row of the chunk.
  returnFlatOnWebAssembly(kernel);
  return {
    shape: 'rows',
    run: async (values, rows, k) => {
      if (kernel.output?.[1] !== rows) kernel.setOutput([cols, rows]);
      const matrix = new Input(values as unknown as number[], [cols, rows]);
      return (await kernel(matrix, k.shiftHi, k.shiftLo, k.scale, k.offset)) as Float32Array;
    },
    backend: () => gpuBackendName(kernel),
  };
}

/**
 * Whether this GPU instance runs kernels on webasm and keeps them there: gpu.js records the backend it chose
 * as `Kernel` (not in its typings), and in 'async' mode moves a kernel to WebGPU on its first call wherever
 * that API exists.
 */
function staysOnWebAssembly(gpu: GPU): boolean {
  const chosen = (gpu as unknown as { Kernel?: { mode?: string } }).Kernel;
  return chosen?.mode === 'webasm' && !GPU.isWebGPUSupported;
}
