// Kernels that return Array(4) per thread come back as nested arrays of 4-float views. The webasm and
// webgpu backends cut those views from one flat Float32Array; this recovers it without a copy when it
// can, and copies value by value otherwise, so every backend gives the same flat layout.

/** Flat values, 4 per cell, cells in output order (x fastest); `cells` is width * height. */
export function vec4Values(result: unknown, cells: number): Float32Array {
  // Already flat: the webasm kernels of vec4-kernel.ts.
  if (result instanceof Float32Array && result.length === cells * 4) return result;
  const rows = (Array.isArray(result) && Array.isArray(result[0]) ? result : [result]) as ArrayLike<
    ArrayLike<number>
  >[];
  const first = rows[0]?.[0];
  if (first instanceof Float32Array && first.byteOffset === 0 && first.buffer.byteLength === cells * 16) {
    return new Float32Array(first.buffer, 0, cells * 4);
  }
  const flat = new Float32Array(cells * 4);
  let i = 0;
  for (const row of rows) {
    for (let x = 0; x < row.length; x++) {
      const cell = row[x]!;
      for (let lane = 0; lane < 4; lane++) flat[i++] = cell[lane]!;
    }
  }
  return flat;
}

/** Rows [r0, r1) x columns [c0, c1) of a row-major matrix, zero-padded to `paddedRows` rows. */
export function copyBlock(
  data: Float32Array,
  cols: number,
  rows: [number, number],
  columns: [number, number],
  paddedRows = rows[1] - rows[0],
): Float32Array {
  const width = columns[1] - columns[0];
  if (width === cols && paddedRows === rows[1] - rows[0])
    return data.subarray(rows[0] * cols, rows[1] * cols);
  const block = new Float32Array(paddedRows * width);
  for (let r = rows[0]; r < rows[1]; r++) {
    block.set(data.subarray(r * cols + columns[0], r * cols + columns[1]), (r - rows[0]) * width);
  }
  return block;
}
