// Per-column minimum and maximum, skipping NaN; a column without values keeps min +Infinity, max -Infinity.

export interface ColumnRange {
  min: Float64Array;
  max: Float64Array;
}

export function emptyColumnRange(cols: number): ColumnRange {
  return { min: new Float64Array(cols).fill(Infinity), max: new Float64Array(cols).fill(-Infinity) };
}

/** Folds rows (row-major, `cols` wide) into `range`. */
export function accumulateColumnRange(range: ColumnRange, rows: Float32Array, cols: number): void {
  const { min, max } = range;
  for (let i = 0; i < rows.length; i++) {
    const value = rows[i]!;
    // NaN fails both comparisons, so it never becomes a bound.
    const c = i % cols;
    if (value < min[c]!) min[c] = value;
    if (value > max[c]!) max[c] = value;
  }
}
