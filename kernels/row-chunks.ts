// Kernels walk a matrix a chunk of rows at a time: bounded work per step, a cancellation check before each
// chunk, and a turn of the event loop after it so IPC messages (cancel) get in.
import { VALUES_PER_CHUNK } from './gpujs/affine-columns.ts';
import { type Matrix, rowSlice } from './matrix.ts';

/** Calls `visit` with each chunk of rows (a view into the matrix) and the row the chunk ends before. */
export async function forEachRowChunk(
  matrix: Matrix,
  signal: AbortSignal,
  visit: (values: Float32Array, end: number) => void,
): Promise<void> {
  const rowsPerChunk = Math.max(1, Math.floor(VALUES_PER_CHUNK / Math.max(1, matrix.cols)));
  for (let start = 0; start < matrix.rows; start += rowsPerChunk) {
    signal.throwIfAborted();
    const end = Math.min(matrix.rows, start + rowsPerChunk);
    visit(rowSlice(matrix, start, end), end);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
