// What kernel tests hand a kernel: a context that records the progress and backends it reports, and
// seeded random matrices.
import type { KernelContext } from '../../kernels/kernel-definition.ts';
import { createMatrix, type Matrix } from '../../kernels/matrix.ts';
import { seededRandom } from '../../kernels/seeded-random.ts';

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
