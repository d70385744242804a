// The per-element half of standardize on gpu.js: z = (x - mean) * scale, the per-column affine map of
// affine-columns.ts with no offset.
import type { GPU } from 'gpu.js';
import type { KernelContext } from '../kernel-definition.ts';
import type { Matrix } from '../matrix.ts';
import { type AffineColumns, affineColumns, affineOnGpu } from './affine-columns.ts';

/**
 * Per-column float32 coefficients: the mean as the shift (split into hi + lo floats so float32 loses little
 * of it), 1 / standard deviation as the scale, or 0 for a constant column (its values become 0).
 */
export function columnTransform(mean: Float64Array, standardDeviation: Float64Array): AffineColumns {
  const scale = Float64Array.from(standardDeviation, (std) => (std > 0 ? 1 / std : 0));
  return affineColumns(mean, scale, new Float64Array(mean.length));
}

export async function standardizeOnGpu(
  gpu: GPU,
  input: Matrix,
  transform: AffineColumns,
  context: KernelContext,
): Promise<{ output: Matrix; backend: string }> {
  const { output, backend } = await affineOnGpu(gpu, input, transform, context, {
    keepOutput: true,
    overInput: context.inputDisposable === true,
  });
  return { output: output!, backend };
}
