// `npm run bench -- kernels [--json]`: gpu.js kernels (the best backend here; webasm SIMD + threads without
// a GPU) against a straightforward plain-JS implementation of the same algorithm, in one run: matmul
// 1024 x 1024 and cosine-topk (100k x 256 corpus, 1k queries, k = 10), each >= 2x asked for; and
// standardize over 10M x 16 float32 against this machine's memory-copy bandwidth (>= 25% asked for).
// `--only=matmul|cosine-topk|standardize` runs one section.
import { loadavg } from 'node:os';
import { cosineTopk } from '../kernels/cosine-topk.ts';
import { destroySharedGpu, sharedGpu } from '../kernels/gpujs/gpu-instance.ts';
import type { KernelContext } from '../kernels/kernel-definition.ts';
import { matmul } from '../kernels/matmul.ts';
import { createMatrix, type Matrix } from '../kernels/matrix.ts';
import { seededRandom } from '../kernels/seeded-random.ts';
import { standardize } from '../kernels/standardize.ts';
import { TopK } from '../kernels/top-k.ts';
import { machineDescription } from './machine.ts';

export interface VersusPlainJs {
  case: string;
  backend: string;
  gpujsMs: number;
  plainJsMs: number;
  /** plainJsMs / gpujsMs; the target is >= 2. */
  speedup: number;
  /** matmul only: the plain loop reordered (i, k, j) so its inner loop walks rows; a faster, different loop. */
  reorderedPlainJsMs?: number;
  reorderedSpeedup?: number;
  /** How far the two results are apart, as a sanity check that both computed the same thing. */
  agreement: string;
}

export interface KernelBench {
  machine: string;
  date: string;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  matmul?: VersusPlainJs;
  cosineTopk?: VersusPlainJs;
  standardize?: {
    rows: number;
    cols: number;
    backend: string;
    ms: number;
    /** Input bytes standardized per second. */
    bytesPerSec: number;
    /** Bytes copied per second by TypedArray.set over a buffer of the same size, best of 3. */
    copyBytesPerSec: number;
    /** bytesPerSec / copyBytesPerSec; the target is >= 0.25. */
    fractionOfCopy: number;
    /** The same input again, the output written over it (`inputDisposable`, as the runner runs kernels). */
    overInputMs: number;
    overInputFractionOfCopy: number;
    /**
     * Bytes copied per second into a newly allocated buffer of the same size, best of 3: what any kernel
     * that returns a new matrix pays at least once (the pages are faulted in and zeroed as they are written).
     */
    freshCopyBytesPerSec: number;
  };
}

const quiet: KernelContext = {
  signal: new AbortController().signal,
  onProgress: () => {},
  onBackend: () => {},
};

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const random = seededRandom(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1;
  return createMatrix(rows, cols, data);
}

async function timed<T>(run: () => T | Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

/** The kernel's algorithm in plain JS: one dot product per output cell (i, j, k order), float64 sums. */
function plainMatmul(a: Matrix, b: Matrix): Float32Array {
  const { rows: m, cols: k } = a;
  const n = b.cols;
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a.data[i * k + p]! * b.data[p * n + j]!;
      out[i * n + j] = sum;
    }
  }
  return out;
}

/** The same sums reordered (i, k, j), so the inner loop walks rows of B: kinder to caches. */
function plainMatmulReordered(a: Matrix, b: Matrix): Float32Array {
  const { rows: m, cols: k } = a;
  const n = b.cols;
  const out = new Float32Array(m * n);
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const value = a.data[i * k + p]!;
      const offset = p * n;
      for (let j = 0; j < n; j++) row[j] = row[j]! + value * b.data[offset + j]!;
    }
    out.set(row, i * n);
  }
  return out;
}

/** The same algorithm as the kernel: norms, every query-row dot product, a running top-k per query. */
function plainCosineTopk(queries: Matrix, corpus: Matrix, k: number): Int32Array {
  const d = corpus.cols;
  const inverse = (m: Matrix, r: number) => {
    let squares = 0;
    for (let i = 0; i < d; i++) squares += m.data[r * d + i]! ** 2;
    return squares > 0 ? 1 / Math.sqrt(squares) : Number.NaN;
  };
  const corpusNorms = Float64Array.from({ length: corpus.rows }, (_, r) => inverse(corpus, r));
  const indices = new Int32Array(queries.rows * k);
  for (let q = 0; q < queries.rows; q++) {
    const top = new TopK(k);
    const queryNorm = inverse(queries, q);
    const qo = q * d;
    for (let c = 0; c < corpus.rows; c++) {
      const co = c * d;
      let dot = 0;
      for (let i = 0; i < d; i++) dot += queries.data[qo + i]! * corpus.data[co + i]!;
      top.offer(c, dot * queryNorm * corpusNorms[c]!);
    }
    indices.set(top.indices, q * k);
  }
  return indices;
}

function maxRelativeDifference(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst / scale;
}

async function benchMatmul(progress: (line: string) => void): Promise<VersusPlainJs> {
  const a = randomMatrix(1024, 1024, 1);
  const b = randomMatrix(1024, 1024, 2);
  // Compile the kernel and start the worker pool outside the timing, as a warm runner has them.
  await matmul.run(randomMatrix(8, 8, 3), { b: '' }, quiet, randomMatrix(8, 8, 4));
  progress('matmul 1024 x 1024: gpu.js ...');
  const gpu = await timed(() => matmul.run(a, { b: '' }, quiet, b));
  progress(`  ${gpu.ms.toFixed(0)} ms on ${gpu.value.backend}; plain JS ...`);
  const plain = await timed(() => plainMatmul(a, b));
  progress(`  ${plain.ms.toFixed(0)} ms; plain JS reordered (i, k, j) ...`);
  const reordered = await timed(() => plainMatmulReordered(a, b));
  progress(`  ${reordered.ms.toFixed(0)} ms`);
  return {
    case: 'matmul 1024x1024 x 1024x1024',
    backend: gpu.value.backend,
    gpujsMs: Math.round(gpu.ms),
    plainJsMs: Math.round(plain.ms),
    speedup: round(plain.ms / gpu.ms),
    reorderedPlainJsMs: Math.round(reordered.ms),
    reorderedSpeedup: round(reordered.ms / gpu.ms),
    agreement: `max |difference| / max |value| = ${maxRelativeDifference(gpu.value.output.data, plain.value).toExponential(1)}`,
  };
}

async function benchCosineTopk(progress: (line: string) => void): Promise<VersusPlainJs> {
  const corpus = randomMatrix(100_000, 256, 5);
  const queries = randomMatrix(1000, 256, 6);
  await cosineTopk.run(randomMatrix(4, 256, 7), { corpus: '', k: 10 }, quiet, randomMatrix(64, 256, 8));
  progress('cosine-topk 100k x 256 corpus, 1k queries, k 10: gpu.js ...');
  const gpu = await timed(() => cosineTopk.run(queries, { corpus: '', k: 10 }, quiet, corpus));
  progress(`  ${gpu.ms.toFixed(0)} ms on ${gpu.value.backend}; plain JS ...`);
  const plain = await timed(() => plainCosineTopk(queries, corpus, 10));
  progress(`  ${plain.ms.toFixed(0)} ms`);
  let same = 0;
  for (let q = 0; q < 1000; q++) {
    for (let j = 0; j < 10; j++) if (gpu.value.output.data[q * 20 + j] === plain.value[q * 10 + j]) same++;
  }
  return {
    case: 'cosine-topk 100000x256 corpus, 1000 queries, k=10',
    backend: gpu.value.backend,
    gpujsMs: Math.round(gpu.ms),
    plainJsMs: Math.round(plain.ms),
    speedup: round(plain.ms / gpu.ms),
    agreement: `${((same / 10_000) * 100).toFixed(2)}% of the 10,000 returned indices identical`,
  };
}

async function benchStandardize(progress: (line: string) => void): Promise<KernelBench['standardize']> {
  const rows = 10_000_000;
  const cols = 16;
  const bytes = rows * cols * 4;
  progress('memory copy bandwidth ...');
  const gibPerSec = (ms: number) => `${(((bytes / ms) * 1e3) / 2 ** 30).toFixed(2)} GiB/s`;
  const source = new Float32Array(rows * cols).fill(1.5);
  let copyMs = Infinity;
  {
    const target = new Float32Array(rows * cols);
    for (let run = 0; run < 3; run++) copyMs = Math.min(copyMs, (await timed(() => target.set(source))).ms);
  }
  progress(`  ${gibPerSec(copyMs)}; standardize 10M x 16 ...`);
  const input = randomMatrix(rows, cols, 9);
  await standardize.run(randomMatrix(16, cols, 10), { ddof: 0 }, quiet);
  const run = await timed(() => standardize.run(input, { ddof: 0 }, quiet));
  progress(`  ${run.ms.toFixed(0)} ms on ${run.value.backend}; again, written over its input ...`);
  const overInput = await timed(() =>
    standardize.run(input, { ddof: 0 }, { ...quiet, inputDisposable: true }),
  );
  progress(`  ${overInput.ms.toFixed(0)} ms; memory copy into a new buffer ...`);
  // After the kernel, so that these three 640 MiB buffers, garbage at once, cannot slow it down.
  let freshCopyMs = Infinity;
  for (let run = 0; run < 3; run++) {
    freshCopyMs = Math.min(freshCopyMs, (await timed(() => new Float32Array(rows * cols).set(source))).ms);
  }
  progress(`  ${gibPerSec(freshCopyMs)}`);
  const bytesPerSec = (bytes / run.ms) * 1e3;
  const copyBytesPerSec = (bytes / copyMs) * 1e3;
  return {
    rows,
    cols,
    backend: run.value.backend,
    ms: Math.round(run.ms),
    bytesPerSec: Math.round(bytesPerSec),
    copyBytesPerSec: Math.round(copyBytesPerSec),
    fractionOfCopy: round(bytesPerSec / copyBytesPerSec),
    overInputMs: Math.round(overInput.ms),
    overInputFractionOfCopy: round(copyMs / overInput.ms),
    freshCopyBytesPerSec: Math.round((bytes / freshCopyMs) * 1e3),
  };
}

export const KERNEL_BENCH_SECTIONS = ['matmul', 'cosine-topk', 'standardize'] as const;
export type KernelBenchSection = (typeof KERNEL_BENCH_SECTIONS)[number];

/** The sections `--only=NAME` names, or all of them; an unknown name is an error that lists the known. */
export function kernelBenchSections(argv: readonly string[]): readonly KernelBenchSection[] {
  const only = argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
  if (only === undefined) return KERNEL_BENCH_SECTIONS;
  const section = KERNEL_BENCH_SECTIONS.find((name) => name === only);
  if (!section) throw new Error(`unknown --only=${only}; known: ${KERNEL_BENCH_SECTIONS.join(', ')}`);
  return [section];
}

export async function kernelBench(
  progress: (line: string) => void,
  sections: readonly KernelBenchSection[] = KERNEL_BENCH_SECTIONS,
): Promise<KernelBench> {
  const loadAverageBefore = loadavg().map(round);
  sharedGpu();
  try {
    const matmulResult = sections.includes('matmul') ? await benchMatmul(progress) : undefined;
    const cosineResult = sections.includes('cosine-topk') ? await benchCosineTopk(progress) : undefined;
    const standardizeResult = sections.includes('standardize') ? await benchStandardize(progress) : undefined;
    return {
      machine: machineDescription(),
      date: new Date().toISOString(),
      loadAverageBefore,
      loadAverageAfter: loadavg().map(round),
      matmul: matmulResult,
      cosineTopk: cosineResult,
      standardize: standardizeResult,
    };
  } finally {
    await destroySharedGpu();
  }
}

export function kernelTable(result: KernelBench): string {
  const gib = (value: number) => `${(value / 2 ** 30).toFixed(2)} GiB/s`;
  const lines = [
    `machine: ${result.machine}; load average ${result.loadAverageBefore.join(' ')} -> ${result.loadAverageAfter.join(' ')}; ${result.date}`,
    'case | backend | gpu.js ms | plain JS ms | speedup (target >= 2) | agreement',
  ];
  for (const row of [result.matmul, result.cosineTopk]) {
    if (!row) continue;
    lines.push(
      `${row.case} | ${row.backend} | ${row.gpujsMs} | ${row.plainJsMs} | ${row.speedup}x | ${row.agreement}`,
    );
  }
  const s = result.standardize;
  if (s) {
    lines.push(
      `standardize ${s.rows}x${s.cols} float32 | ${s.backend} | ${s.ms} ms = ${gib(s.bytesPerSec)} | memory copy ${gib(s.copyBytesPerSec)} (into a new buffer ${gib(s.freshCopyBytesPerSec)}) | ${(s.fractionOfCopy * 100).toFixed(1)}% of copy (target >= 25%)`,
      `standardize over its input | ${s.backend} | ${s.overInputMs} ms | | ${(s.overInputFractionOfCopy * 100).toFixed(1)}% of copy`,
    );
  }
  return lines.join('\n');
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
