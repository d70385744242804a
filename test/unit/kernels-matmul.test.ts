import test from 'ava';
import { destroySharedGpu, sharedGpu } from '../../kernels/gpujs/gpu-instance.ts';
import { matmulOnGpu } from '../../kernels/gpujs/matmul-tiles.ts';
import { InputMismatchError } from '../../kernels/kernel-errors.ts';
import { matmul, matmulReference } from '../../kernels/matmul.ts';
import { createMatrix, type Matrix } from '../../kernels/matrix.ts';
import { getKernel } from '../../kernels/registry.ts';
import { randomMatrix, recordingContext } from '../support/kernel-context.ts';

test.after.always(() => destroySharedGpu());

/**
 * Float32 products summed over K terms can be off by about K * 2^-24 of the sum of |a_ik * b_kj| (the
 * terms' size, not the result's, which cancellation can make arbitrarily small). The kernel sums at most
 * 256 terms in float32, so within 1e-5 of that scale is what it promises; NaN must match NaN.
 */
function firstMatmulMismatch(a: Matrix, b: Matrix, actual: Float32Array): string | undefined {
  const expected = matmulReference(a, b);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      let scale = 0;
      for (let k = 0; k < a.cols; k++) scale += Math.abs(a.data[i * a.cols + k]! * b.data[k * b.cols + j]!);
      const got = actual[i * b.cols + j]!;
      const want = expected[i * b.cols + j]!;
      if (Number.isNaN(want) || Number.isNaN(got)) {
        if (Number.isNaN(want) !== Number.isNaN(got)) return `(${i}, ${j}): ${got}, expected ${want}`;
      } else if (Math.abs(got - want) > 1e-5 * Math.max(scale, 1e-6)) {
        return `(${i}, ${j}): ${got}, expected ${want} (terms' scale ${scale})`;
      }
    }
  }
  return undefined;
}

test('the registry knows matmul, which reads its second matrix from params.b', (t) => {
  t.is(getKernel('matmul'), matmul);
  t.is(matmul.secondInput, 'b');
});

test('the reference multiplies a small matrix by hand', (t) => {
  const a = createMatrix(2, 3, Float32Array.from([1, 2, 3, 4, 5, 6]));
  const b = createMatrix(3, 2, Float32Array.from([7, 8, 9, 10, 11, 12]));
  t.deepEqual(Array.from(matmulReference(a, b)), [58, 64, 139, 154]);
});

test('gpu.js output matches the float64 reference, with the backend recorded', async (t) => {
  const a = randomMatrix(37, 300, 1);
  const b = randomMatrix(300, 29, 2);
  const { context, backends, progress } = recordingContext();
  const result = await matmul.run(a, { b: 'b.npy' }, context, b);
  t.deepEqual([result.output.rows, result.output.cols], [37, 29]);
  t.is(firstMatmulMismatch(a, b, result.output.data), undefined);
  t.regex(result.backend, /^gpu\.js:(webgpu|headlessgl|webgl2?|webasm|cpu)$/);
  t.deepEqual(backends, [result.backend]);
  t.deepEqual(progress, [37]);
});

test('1100 terms run as several 256-term float32 sums added in float64', async (t) => {
  const a = randomMatrix(4, 1100, 3);
  const b = randomMatrix(1100, 5, 4);
  const { output } = await matmul.run(a, { b: 'b.npy' }, recordingContext().context, b);
  t.is(firstMatmulMismatch(a, b, output.data), undefined);
});

test('inputs larger than one buffer run in tiles over rows, columns and terms', async (t) => {
  const a = randomMatrix(10, 37, 5);
  const b = randomMatrix(37, 23, 6);
  const { context, progress } = recordingContext();
  // 64 values per buffer: terms in tiles of 8, 8 output columns, 8 rows at a time.
  const { output } = await matmulOnGpu(sharedGpu(), a, b, context, {
    maxValues: 64,
    maxTerms: 8,
    maxColumns: 256,
  });
  t.is(firstMatmulMismatch(a, b, output.data), undefined);
  t.deepEqual(progress, [8, 10]);
});

test('NaN in a row of A or a column of B makes that output row or column NaN, and nothing else', async (t) => {
  const a = randomMatrix(6, 5, 7);
  const b = randomMatrix(5, 4, 8);
  a.data[2 * 5 + 3] = Number.NaN;
  b.data[1 * 4 + 2] = Number.NaN;
  const { output } = await matmul.run(a, { b: 'b.npy' }, recordingContext().context, b);
  t.is(firstMatmulMismatch(a, b, output.data), undefined);
  const nan = Array.from(output.data, (value, i) => (Number.isNaN(value) ? i : -1)).filter((i) => i >= 0);
  // Row 2 whole, and column 2 of every other row.
  t.deepEqual(nan, [2, 6, 8, 9, 10, 11, 14, 18, 22]);
});

test('inner dimensions that differ are a typed error naming both shapes', async (t) => {
  const error = await t.throwsAsync(
    () =>
      matmul.run(randomMatrix(3, 4, 1), { b: 'b.npy' }, recordingContext().context, randomMatrix(5, 2, 2)),
    { instanceOf: InputMismatchError },
  );
  t.is(
    error?.message,
    'inner dimensions differ: input is 3 x 4, params.b is 5 x 2 (input columns must equal params.b rows)',
  );
});

test('params: b is a required path; unknown names are field problems', (t) => {
  t.deepEqual(matmul.parseParams({ b: 'data/b.npy' }), { ok: true, params: { b: 'data/b.npy' } });
  t.deepEqual(matmul.parseParams({ transpose: true }), {
    ok: false,
    problems: [
      { field: 'params.transpose', message: 'unknown parameter; known: b' },
      { field: 'params.b', message: 'required: path of an input matrix (.npy or .jsonl)' },
    ],
  });
});
