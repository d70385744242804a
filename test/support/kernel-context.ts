// What kernel tests hand a kernel: a context that records the progress and backends it reports, and
// seeded matrices (random, and one with the awkward columns per-column kernels must handle).
import type { KernelContext } from '../../kernels/kernel-definition.ts';
import { createMatrix, type Matrix } from '../../kernels/matrix.ts';
import { normal, seededRandom } from '../../kernels/seeded-random.ts';

export function recordingContext(signal = new AbortController().signal) {
  const progress: number[] = [];
  const backends: string[] = [];
  const context: KernelContext = {
    signal,
    onProgress: (done) => progress.push(done),
    onBackend: (backend) => backends.push(backend),
  };
  return { context, progress, backends };
}

/** Values uniform in [-1, 1), the same for the same seed. */
export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const random = seededRandom(seed);
  return createMatrix(
    rows,
    cols,
    Float32Array.from({ length: rows * cols }, () => random() * 2 - 1),
  );
}

/** Column 0 ordinary, 1 with NaN, 2 constant, 3 all NaN, 4 a large offset with a small spread. */
export function awkwardMatrix(rows: number, seed = 1): Matrix {
  const random = seededRandom(seed);
  const cols = 5;
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    data[r * cols] = normal(random) * 3 + 7;
    data[r * cols + 1] = r % 7 === 0 ? Number.NaN : normal(random) - 2;
    data[r * cols + 2] = 4.25;
    data[r * cols + 3] = Number.NaN;
    data[r * cols + 4] = 50_000 + normal(random) * 0.5;
  }
  return createMatrix(rows, cols, data);
}
