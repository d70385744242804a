// Compares float32 results with a float64 reference: relative error, with an absolute floor near zero.

export interface Tolerance {
  relative: number;
  /** Below this magnitude the error is judged absolutely (relative error means nothing at 0). */
  absoluteFloor: number;
}

export const KERNEL_TOLERANCE: Tolerance = { relative: 1e-5, absoluteFloor: 1e-6 };

/** The first value outside the tolerance, described, or undefined when all agree (NaN must match NaN). */
export function firstMismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance = KERNEL_TOLERANCE,
): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length}, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) return `index ${i}: ${a}, expected ${e}`;
      continue;
    }
    const allowed = tolerance.relative * Math.max(Math.abs(e), tolerance.absoluteFloor / tolerance.relative);
    if (Math.abs(a - e) > allowed) return `index ${i}: ${a}, expected ${e} (error ${Math.abs(a - e)})`;
  }
  return undefined;
}
