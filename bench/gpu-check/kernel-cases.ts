// The kernels the GPU check runs: each makes its seeded inputs, runs through the registry's kernel (so
// through whatever backend the shared gpu.js instance picks), and judges the output against the kernel's
// float64 reference (on a sample of rows where the full reference would take minutes).
import { cosineTopkReference } from '../../kernels/cosine-topk.ts';
import type { KernelContext } from '../../kernels/kernel-definition.ts';
import { matmulReference } from '../../kernels/matmul.ts';
import { createMatrix, type Matrix } from '../../kernels/matrix.ts';
import { minmaxReference } from '../../kernels/minmax.ts';
import { getKernel } from '../../kernels/registry.ts';
import { seededRandom } from '../../kernels/seeded-random.ts';
import { standardizeReference } from '../../kernels/standardize.ts';
import { elementwiseMismatch, matmulMismatch, topkMismatch } from './compare.ts';

/** tiny: a few seconds in all (the unit test); medium: every kernel over several tiles; full: the benchmark's sizes. */
export type CheckSize = 'tiny' | 'medium' | 'full';

export interface KernelCase {
  name: string;
  /** Shapes, for the report. */
  shape: string;
  /** What one run does, in the unit the throughput is given in. */
  work: { amount: number; unit: 'GB/s' | 'GFLOP/s' };
  /** A small run first, so compiling kernels and starting worker threads is not timed. */
  warmUp(context: KernelContext): Promise<unknown>;
  run(context: KernelContext): Promise<{ output: Matrix; backend: string }>;
  /** The first value outside tolerance, described; undefined when the output is right. */
  check(output: Matrix): string | undefined;
}

const SIZES = {
  tiny: { rows: 3000, cols: 16, m: 37, k: 45, n: 29, corpus: 500, dims: 32, queries: 9, topk: 5 },
  medium: {
    rows: 300_000,
    cols: 16,
    m: 300,
    k: 600,
    n: 300,
    corpus: 20_000,
    dims: 256,
    queries: 50,
    topk: 10,
  },
  full: {
    rows: 10_000_000,
    cols: 16,
    m: 1024,
    k: 1024,
    n: 1024,
    corpus: 100_000,
    dims: 256,
    queries: 1000,
    topk: 10,
  },
} as const;

/** Uniform in [-1, 1); column 1 has NaN every 7th row and column 2 is constant, when there are columns. */
export function checkMatrix(rows: number, cols: number, seed: number, awkward = false): Matrix {
  const random = seededRandom(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1;
  if (awkward && cols >= 3) {
    for (let r = 0; r < rows; r++) {
      if (r % 7 === 0) data[r * cols + 1] = Number.NaN;
      data[r * cols + 2] = 4.25;
    }
  }
  return createMatrix(rows, cols, data);
}

/** Every `step`-th index below `count`, at most `most` of them (all when few). */
function sample(count: number, most: number): number[] {
  const step = Math.max(1, Math.ceil(count / most));
  const picked: number[] = [];
  for (let i = 0; i < count; i += step) picked.push(i);
  return picked;
}

function rowsOf(matrix: Matrix, rows: readonly number[]): Matrix {
  const out = new Float32Array(rows.length * matrix.cols);
  rows.forEach((row, i) => {
    out.set(matrix.data.subarray(row * matrix.cols, (row + 1) * matrix.cols), i * matrix.cols);
  });
  return createMatrix(rows.length, matrix.cols, out);
}

function kernel(name: string) {
  const found = getKernel(name);
  if (!found) throw new Error(`kernel ${name} is not in the registry`);
  return found;
}

/** Bytes of the table standardize and minmax read: what a memory copy is measured over, to compare. */
export function tableBytes(size: CheckSize): number {
  return SIZES[size].rows * SIZES[size].cols * 4;
}

export function kernelCases(size: CheckSize): KernelCase[] {
  const s = SIZES[size];
  const table = checkMatrix(s.rows, s.cols, 1, true);
  const small = checkMatrix(64, s.cols, 2, true);
  // References are computed once, on first use, and shared by every backend's check.
  let standardized: Float64Array | undefined;
  let scaled: Float64Array | undefined;
  const a = checkMatrix(s.m, s.k, 3);
  const b = checkMatrix(s.k, s.n, 4);
  const matmulRows = sample(s.m, 64);
  let product: Float64Array | undefined;
  const corpus = checkMatrix(s.corpus, s.dims, 5);
  const queries = checkMatrix(s.queries, s.dims, 6);
  const checkedQueries = sample(s.queries, 16);
  let nearest: Float64Array | undefined;
  const bytes = tableBytes(size);
  return [
    {
      name: 'standardize',
      shape: `${s.rows}x${s.cols}`,
      work: { amount: bytes / 1e9, unit: 'GB/s' },
      warmUp: (context) => kernel('standardize').run(small, { ddof: 0 }, context),
      run: (context) => kernel('standardize').run(table, { ddof: 0 }, context),
      check: (output) => {
        standardized ??= standardizeReference(table, { ddof: 0 });
        return elementwiseMismatch(output.data, standardized);
      },
    },
    {
      name: 'minmax',
      shape: `${s.rows}x${s.cols}`,
      work: { amount: bytes / 1e9, unit: 'GB/s' },
      warmUp: (context) => kernel('minmax').run(small, { min: 0, max: 1 }, context),
      run: (context) => kernel('minmax').run(table, { min: 0, max: 1 }, context),
      check: (output) => {
        scaled ??= minmaxReference(table, { min: 0, max: 1 });
        return elementwiseMismatch(output.data, scaled);
      },
    },
    {
      name: 'matmul',
      shape: `${s.m}x${s.k} x ${s.k}x${s.n}`,
      work: { amount: (2 * s.m * s.k * s.n) / 1e9, unit: 'GFLOP/s' },
      warmUp: (context) =>
        kernel('matmul').run(checkMatrix(8, 8, 7), { b: '' }, context, checkMatrix(8, 8, 8)),
      run: (context) => kernel('matmul').run(a, { b: '' }, context, b),
      check: (output) => {
        product ??= matmulReference(rowsOf(a, matmulRows), b);
        return matmulMismatch(a, b, output.data, product, matmulRows);
      },
    },
    {
      name: 'cosine-topk',
      shape: `${s.queries} queries x ${s.corpus}x${s.dims} corpus, k ${s.topk}`,
      work: { amount: (2 * s.queries * s.corpus * s.dims) / 1e9, unit: 'GFLOP/s' },
      warmUp: (context) =>
        kernel('cosine-topk').run(
          checkMatrix(4, s.dims, 9),
          { corpus: '', k: s.topk },
          context,
          checkMatrix(64, s.dims, 10),
        ),
      run: (context) => kernel('cosine-topk').run(queries, { corpus: '', k: s.topk }, context, corpus),
      check: (output) => {
        nearest ??= cosineTopkReference(rowsOf(queries, checkedQueries), corpus, s.topk);
        return topkMismatch(queries, corpus, s.topk, output.data, nearest, checkedQueries);
      },
    },
  ];
}
