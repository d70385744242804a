// The per-element half of standardize on gpu.js: z = (x - mean) * scale, one chunk of rows per kernel call.
import type { GPU, IKernelFunctionThis, IKernelRunShortcut } from 'gpu.js';
import type { KernelContext } from '../kernel-definition.ts';
import { createMatrix, type Matrix, rowSlice } from '../matrix.ts';
import { gpuBackendName } from './gpu-instance.ts';

/** Per-column float32 coefficients. The mean is split into hi + lo floats so float32 loses little of it. */
export interface ColumnTransform {
  meanHi: Float32Array;
  meanLo: Float32Array;
  /** 1 / standard deviation, or 0 for a constant column (its values become 0). */
  scale: Float32Array;
}

/** About 1 MiB of float32 per kernel call: big enough to amortise a call, small enough for steady progress. */
export const VALUES_PER_CHUNK = 1 << 18;

export function columnTransform(mean: Float64Array, standardDeviation: Float64Array): ColumnTransform {
  const meanHi = Float32Array.from(mean);
  const meanLo = Float32Array.from(mean, (value, c) => value - meanHi[c]!);
  const scale = Float32Array.from(standardDeviation, (std) => (std > 0 ? 1 / std : 0));
  return { meanHi, meanLo, scale };
}

export async function standardizeOnGpu(
  gpu: GPU,
  input: Matrix,
  transform: ColumnTransform,
  context: KernelContext,
): Promise<{ output: Matrix; backend: string }> {
  const output = createMatrix(input.rows, input.cols);
  const kernel = transformKernel(gpu, input.cols);
  const rowsPerChunk = Math.max(1, Math.floor(VALUES_PER_CHUNK / Math.max(1, input.cols)));
  let backend = '';
  for (let start = 0; start < input.rows; start += rowsPerChunk) {
    context.signal.throwIfAborted();
    const end = Math.min(input.rows, start + rowsPerChunk);
    const values = rowSlice(input, start, end);
    if (kernel.output?.[0] !== values.length) kernel.setOutput([values.length]);
    const result = (await kernel(
      values,
      transform.meanHi,
      transform.meanLo,
      transform.scale,
    )) as Float32Array;
    const target = rowSlice(output, start, end);
    target.set(result);
    keepNaN(values, target);
    if (!backend) {
      backend = gpuBackendName(kernel);
      context.onBackend(backend);
    }
    context.onProgress(end, input.rows);
  }
  return { output, backend };
}

/** GLSL does not promise NaN propagation, so NaN inputs are restored after the kernel on every backend. */
function keepNaN(input: Float32Array, output: Float32Array): void {
  for (let i = 0; i < input.length; i++) {
    if (Number.isNaN(input[i]!)) output[i] = Number.NaN;
  }
}

type TransformThis = IKernelFunctionThis<{ cols: number }>;

/** Compiled once per (GPU instance, column count) and reused by later attempts in the same process. */
const kernels = new WeakMap<GPU, Map<number, IKernelRunShortcut>>();

function transformKernel(gpu: GPU, cols: number): IKernelRunShortcut {
  let byCols = kernels.get(gpu);
  if (!byCols) {
    byCols = new Map();
    kernels.set(gpu, byCols);
  }
  let kernel = byCols.get(cols);
  if (!kernel) {
    kernel = gpu.createKernel(
      function (this: TransformThis, x: number[], meanHi: number[], meanLo: number[], scale: number[]) {
        const c = this.thread.x % this.constants.cols;
        return (x[this.thread.x]! - meanHi[c]! - meanLo[c]!) * scale[c]!;
      },
      {
        constants: { cols },
        output: [1],
        dynamicOutput: true,
        dynamicArguments: true,
        // GL backends otherwise may pack floats into 8-bit channels, or compute at medium precision.
        precision: 'single',
        tactic: 'precision',
      },
    );
    byCols.set(cols, kernel);
  }
  return kernel;
}
