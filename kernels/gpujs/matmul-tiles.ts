// A x B on gpu.js, tile by tile. Each thread computes four rows of one output column: on the webasm
// backend every lane-varying read is four scalar loads, so sharing each loaded B value between four rows
// (the A reads are the same for all lanes) does 16 multiply-adds per 8 loads instead of 4 per 5.
// Partial sums over at most `maxTerms` of K are added up in float64, which bounds float32 rounding.
import type { GPU, IKernelFunctionThis, IKernelRunShortcut, KernelFunction } from 'gpu.js';
import type { KernelContext } from '../kernel-definition.ts';
import { createMatrix, type Matrix } from '../matrix.ts';
import { gpuBackendName } from './gpu-instance.ts';
import { DEFAULT_TILING, multipleOf4, roundUpTo4, type Tiling } from './tiling.ts';
import { vec4Kernel } from './vec4-kernel.ts';
import { copyBlock, vec4Values } from './vec4-output.ts';

export async function matmulOnGpu(
  gpu: GPU,
  a: Matrix,
  b: Matrix,
  context: KernelContext,
  tiling: Tiling = DEFAULT_TILING,
): Promise<{ output: Matrix; backend: string }> {
  const [m, k, n] = [a.rows, a.cols, b.cols];
  const output = createMatrix(m, n);
  const kTile = Math.max(1, Math.min(k, tiling.maxTerms, MAX_TERMS_LIMIT, Math.floor(tiling.maxValues / 4)));
  const nTile = Math.max(1, Math.min(n, tiling.maxColumns, Math.floor(tiling.maxValues / kTile)));
  const mTile = multipleOf4(Math.min(tiling.maxValues / kTile, tiling.maxValues / nTile));
  const kernel = matmulKernel(gpu);
  let backend = '';
  for (let m0 = 0; m0 < m; m0 += mTile) {
    const m1 = Math.min(m, m0 + mTile);
    const padded = roundUpTo4(m1 - m0);
    for (let n0 = 0; n0 < n; n0 += nTile) {
      const n1 = Math.min(n, n0 + nTile);
      const width = n1 - n0;
      const sums = new Float64Array((m1 - m0) * width);
      for (let k0 = 0; k0 < k; k0 += kTile) {
        context.signal.throwIfAborted();
        const k1 = Math.min(k, k0 + kTile);
        const aBlock = copyBlock(a.data, k, [m0, m1], [k0, k1], padded);
        const bBlock = copyBlock(b.data, n, [k0, k1], [n0, n1]);
        kernel.setOutput([width, padded / 4]);
        const partial = vec4Values(await kernel(aBlock, bBlock, k1 - k0, width), width * (padded / 4));
        addPartial(sums, partial, m1 - m0, width);
        if (!backend) {
          backend = gpuBackendName(kernel);
          context.onBackend(backend);
        }
        // Let IPC messages (cancel) in between calls.
        await new Promise((resolve) => setImmediate(resolve));
      }
      for (let r = 0; r < m1 - m0; r++) {
        output.data.set(sums.subarray(r * width, (r + 1) * width), (m0 + r) * n + n0);
      }
    }
    context.onProgress(m1, m);
  }
  keepNaN(a, b, output);
  return { output, backend: backend || 'none (empty input)' };
}

/** partial[(rowBlock * width + x) * 4 + lane] is row rowBlock * 4 + lane, column x. */
function addPartial(sums: Float64Array, partial: Float32Array, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const base = (r >> 2) * width * 4 + (r & 3);
    const target = r * width;
    for (let x = 0; x < width; x++) sums[target + x] = sums[target + x]! + partial[base + x * 4]!;
  }
}

/** GLSL does not promise NaN propagation: a row of A or a column of B with NaN gives NaN, on every backend. */
function keepNaN(a: Matrix, b: Matrix, output: Matrix): void {
  const nanColumns: number[] = [];
  for (let c = 0; c < b.cols; c++) {
    for (let r = 0; r < b.rows; r++) {
      if (Number.isNaN(b.data[r * b.cols + c]!)) {
        nanColumns.push(c);
        break;
      }
    }
  }
  for (let r = 0; r < a.rows; r++) {
    const row = a.data.subarray(r * a.cols, (r + 1) * a.cols);
    const target = output.data.subarray(r * b.cols, (r + 1) * b.cols);
    if (row.some(Number.isNaN)) target.fill(Number.NaN);
    else for (const c of nanColumns) target[c] = Number.NaN;
  }
}

/** Loops with a variable bound stop after loopMaxIterations (gpu.js default 1000) without a word. */
export const MAX_TERMS_LIMIT = 1 << 16;

type MatmulThis = IKernelFunctionThis<{ maxTerms: number }>;

const multiplyFourRows: KernelFunction<[number[], number[], number, number], { maxTerms: number }> =
  function (this: MatmulThis, a: number[], b: number[], terms: number, width: number) {
    const x = this.thread.x;
    const row = this.thread.y * 4 * terms;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < terms; i++) {
      const value = b[i * width + x]!;
      s0 += a[row + i]! * value;
      s1 += a[row + terms + i]! * value;
      s2 += a[row + 2 * terms + i]! * value;
      s3 += a[row + 3 * terms + i]! * value;
    }
    return [s0, s1, s2, s3];
  };

function matmulKernel(gpu: GPU): IKernelRunShortcut {
  return vec4Kernel(gpu, multiplyFourRows, { maxTerms: MAX_TERMS_LIMIT }, MAX_TERMS_LIMIT);
}
