// How the GPU check judges a kernel's float32 output against its float64 reference, with the tolerances
// docs/runner.md gives for each kernel (the unit tests use the same). Each returns the first value outside
// its tolerance, described, or undefined when everything agrees.

/** standardize, minmax: relative 1e-5, judged absolutely (1e-6) near zero; NaN must match NaN. */
export function elementwiseMismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  relative = 1e-5,
  absoluteFloor = 1e-6,
): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length}, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) return `index ${i}: ${a}, expected ${e}`;
      continue;
    }
    const allowed = Math.max(relative * Math.abs(e), absoluteFloor);
    if (!(Math.abs(a - e) <= allowed)) return `index ${i}: ${a}, expected ${e} (error ${Math.abs(a - e)})`;
  }
  return undefined;
}

/**
 * matmul: each output within 1e-5 of sum_k |a_ik * b_kj| (float32 partial sums; relative to the result
 * itself the error is unbounded where the sum cancels). `rows` are the rows of A that were checked, in
 * the order `expected` holds them.
 */
export function matmulMismatch(
  a: { cols: number; data: Float32Array },
  b: { cols: number; data: Float32Array },
  actual: Float32Array,
  expected: Float64Array,
  rows: readonly number[],
): string | undefined {
  const [k, n] = [a.cols, b.cols];
  for (const [index, row] of rows.entries()) {
    for (let j = 0; j < n; j++) {
      let scale = 0;
      for (let p = 0; p < k; p++) scale += Math.abs(a.data[row * k + p]! * b.data[p * n + j]!);
      const got = actual[row * n + j]!;
      const want = expected[index * n + j]!;
      if (!(Math.abs(got - want) <= 1e-5 * scale + 1e-30)) {
        return `row ${row} column ${j}: ${got}, expected ${want} (error ${Math.abs(got - want)}, scale ${scale})`;
      }
    }
  }
  return undefined;
}

/**
 * cosine-topk: a score's float32 error is at most about D * 2^-24 (D terms of a unit-norm dot product),
 * and never below the tests' 1e-5. A returned row is right when its own reference score equals the
 * reference score of that rank within the same tolerance (near-ties may swap).
 */
export function topkMismatch(
  queries: { cols: number; data: Float32Array },
  corpus: { data: Float32Array },
  k: number,
  actual: Float32Array,
  expected: Float64Array,
  checkedQueries: readonly number[],
): string | undefined {
  const d = queries.cols;
  const tolerance = Math.max(1e-5, d * 2 ** -24);
  const cosine = (q: number, c: number) => {
    let dot = 0;
    let qq = 0;
    let cc = 0;
    for (let i = 0; i < d; i++) {
      const x = queries.data[q * d + i]!;
      const y = corpus.data[c * d + i]!;
      dot += x * y;
      qq += x * x;
      cc += y * y;
    }
    return dot / Math.sqrt(qq * cc);
  };
  for (const [index, q] of checkedQueries.entries()) {
    for (let j = 0; j < k; j++) {
      const row = actual[q * 2 * k + j]!;
      const score = actual[q * 2 * k + k + j]!;
      const wantRow = expected[index * 2 * k + j]!;
      const wantScore = expected[index * 2 * k + k + j]!;
      if (wantRow === -1 || row === -1) {
        if (row !== wantRow || !Number.isNaN(score))
          return `query ${q} rank ${j}: row ${row}, expected ${wantRow}`;
        continue;
      }
      if (!(Math.abs(score - wantScore) <= tolerance)) {
        return `query ${q} rank ${j}: score ${score}, expected ${wantScore}`;
      }
      if (!(Math.abs(cosine(q, row) - wantScore) <= tolerance)) {
        return `query ${q} rank ${j}: row ${row} (score ${cosine(q, row)}), expected row ${wantRow} (${wantScore})`;
      }
    }
  }
  return undefined;
}
