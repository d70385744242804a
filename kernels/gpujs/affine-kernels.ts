// The gpu.js kernels behind affineOnGpu (affine-columns.ts), compiled once per GPU instance and width: a
// flat one for any backend and width, and on webasm a 2D one for widths that are a multiple of 4.
import { GPU, type IKernelFunctionThis, Input } from 'gpu.js';
import type { AffineColumns } from './affine-columns.ts';
import { returnFlatOnWebAssembly } from './flat-output.ts';
import { gpuBackendName } from './gpu-instance.ts';

type AffineThis = IKernelFunctionThis<{ cols: number }>;

/** One chunk of rows through the map; the result is row-major, like the input. */
export interface AffineKernel {
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

export function affineKernel(gpu: GPU, cols: number): AffineKernel {
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
 * 2026-11-28, load average 2-3). Elsewhere the flat kernel: GL textures and WebGPU dispatches limit a 2D
 * output's height, which the flat kernel's 1D output does not meet.
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
      const result = (await kernel(matrix, k.shiftHi, k.shiftLo, k.scale, k.offset)) as
        | Float32Array
        | Float32Array[];
      return flatResult(result, rows, cols);
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

/**
 * The 2D kernel's result as one row-major array: flat on webasm (returnFlatOnWebAssembly), but row by row
 * should gpu.js ever move the kernel to another backend. Anything else is refused rather than written.
 */
export function flatResult(result: Float32Array | Float32Array[], rows: number, cols: number): Float32Array {
  if (result instanceof Float32Array) {
    if (result.length === rows * cols) return result;
  } else if (result.length === rows && result.every((row) => row.length === cols)) {
    const flat = new Float32Array(rows * cols);
    for (const [r, row] of result.entries()) flat.set(row, r * cols);
    return flat;
  }
  throw new Error(`affine kernel: expected ${rows} x ${cols} values, got a result of another shape`);
}
