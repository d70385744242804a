// Per-column count, mean and sum of squared deviations in float64, skipping NaN, one chunk of rows at a time.
// Chunks are combined with Chan et al.'s pairwise update, which stays accurate where sum-of-squares
// formulas cancel catastrophically (large means, small spreads).

export interface ColumnStats {
  count: Float64Array;
  mean: Float64Array;
  /** Sum of squared deviations from the mean. */
  m2: Float64Array;
}

export function emptyColumnStats(cols: number): ColumnStats {
  return { count: new Float64Array(cols), mean: new Float64Array(cols), m2: new Float64Array(cols) };
}

/** Folds rows (row-major, `cols` wide) into `stats`. */
export function accumulateColumnStats(stats: ColumnStats, rows: Float32Array, cols: number): void {
  const chunk = chunkStats(rows, cols);
  for (let c = 0; c < cols; c++) {
    const countB = chunk.count[c]!;
    if (countB === 0) continue;
    const countA = stats.count[c]!;
    const count = countA + countB;
    const delta = chunk.mean[c]! - stats.mean[c]!;
    stats.mean[c] = stats.mean[c]! + (delta * countB) / count;
    stats.m2[c] = stats.m2[c]! + chunk.m2[c]! + ((delta * delta * countA) / count) * countB;
    stats.count[c] = count;
  }
}

/** Standard deviation with `ddof` delta degrees of freedom; 0 where too few values to say. */
export function standardDeviation(stats: ColumnStats, column: number, ddof: number): number {
  const divisor = stats.count[column]! - ddof;
  return divisor > 0 ? Math.sqrt(stats.m2[column]! / divisor) : 0;
}

/**
 * Two passes over one chunk: the mean first, then deviations from it. Column by column with the sums in
 * locals (the chunk, about 1 MiB, stays in cache across the columns): faster than one pass with an
 * `i % cols` and a typed-array update per value.
 */
function chunkStats(rows: Float32Array, cols: number): ColumnStats {
  const stats = emptyColumnStats(cols);
  const length = rows.length;
  for (let c = 0; c < cols; c++) {
    let sum = 0;
    let count = 0;
    for (let i = c; i < length; i += cols) {
      const value = rows[i]!;
      // NaN is left out.
      if (!Number.isNaN(value)) {
        sum += value;
        count++;
      }
    }
    const mean = count > 0 ? sum / count : 0;
    let m2 = 0;
    for (let i = c; i < length; i += cols) {
      const value = rows[i]!;
      if (!Number.isNaN(value)) m2 += (value - mean) * (value - mean);
    }
    stats.count[c] = count;
    stats.mean[c] = mean;
    stats.m2[c] = m2;
  }
  return stats;
}
