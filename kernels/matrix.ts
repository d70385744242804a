// The one in-memory shape every kernel reads and writes: a dense float32 matrix in row-major (C) order.

export interface Matrix {
  rows: number;
  cols: number;
  /** rows * cols values, row after row. */
  data: Float32Array;
}

export function createMatrix(rows: number, cols: number, data = new Float32Array(rows * cols)): Matrix {
  if (data.length !== rows * cols) {
    throw new RangeError(`matrix data has ${data.length} values, expected ${rows} x ${cols}`);
  }
  return { rows, cols, data };
}

/** Rows [start, end) as a view that shares memory with the matrix. */
export function rowSlice(matrix: Matrix, start: number, end: number): Float32Array {
  return matrix.data.subarray(start * matrix.cols, end * matrix.cols);
}
