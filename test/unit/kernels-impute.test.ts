import test from 'ava';
import { impute, imputeReference } from '../../kernels/impute.ts';
import { InputMismatchError } from '../../kernels/kernel-errors.ts';
import { createMatrix, type Matrix } from '../../kernels/matrix.ts';
import { getKernel } from '../../kernels/registry.ts';
import { normal, seededRandom } from '../../kernels/seeded-random.ts';
import { firstMismatch } from '../support/float-comparison.ts';
import { recordingContext } from '../support/kernel-context.ts';

/** Column 0 without NaN, 1 with every 5th NaN, 2 with a large offset and NaN, 3 constant with NaN. */
function gappyMatrix(rows: number, seed = 1): Matrix {
  const random = seededRandom(seed);
  const cols = 4;
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    data[r * cols] = normal(random);
    data[r * cols + 1] = r % 5 === 0 ? Number.NaN : normal(random) * 10;
    data[r * cols + 2] = r % 3 === 1 ? Number.NaN : 80_000 + normal(random);
    data[r * cols + 3] = r % 2 === 0 ? Number.NaN : -1.5;
  }
  return createMatrix(rows, cols, data);
}

test('the registry knows impute', (t) => {
  t.is(getKernel('impute'), impute);
});

test('the reference fills a small column by hand', (t) => {
  const column = createMatrix(5, 1, Float32Array.from([1, Number.NaN, 2, 9, Number.NaN]));
  t.deepEqual(Array.from(imputeReference(column, { strategy: 'mean' })), [1, 4, 2, 9, 4]);
  t.deepEqual(Array.from(imputeReference(column, { strategy: 'median' })), [1, 2, 2, 9, 2]);
  t.deepEqual(Array.from(imputeReference(column, { strategy: 'constant', value: -7 })), [1, -7, 2, 9, -7]);
});

for (const params of [
  { strategy: 'mean' },
  { strategy: 'median' },
  { strategy: 'constant', value: 0.1 },
] as const) {
  test(`output matches the float64 reference (${params.strategy}); values that were not NaN are untouched`, async (t) => {
    const input = gappyMatrix(2001);
    const { context, backends, progress } = recordingContext();
    const result = await impute.run(input, params, context);
    t.is(firstMismatch(result.output.data, imputeReference(input, params)), undefined);
    t.false(result.output.data.some(Number.isNaN));
    for (let i = 0; i < input.data.length; i++) {
      if (!Number.isNaN(input.data[i]!)) t.is(result.output.data[i], input.data[i]);
    }
    t.is(result.backend, 'js:cpu');
    t.deepEqual(backends, ['js:cpu']);
    t.is(progress.at(-1), 2001);
    t.is(result.details?.['replaced'], input.data.filter(Number.isNaN).length);
  });
}

test('the median of an even count is the mean of the middle two', async (t) => {
  const input = createMatrix(5, 1, Float32Array.from([4, Number.NaN, 1, 3, 10]));
  const { output } = await impute.run(input, { strategy: 'median' }, recordingContext().context);
  t.is(output.data[1], 3.5);
});

test('a NaN-only column is a typed error for mean and median, and filled by a constant', async (t) => {
  const input = createMatrix(3, 2, Float32Array.from([1, Number.NaN, 2, Number.NaN, 3, Number.NaN]));
  for (const strategy of ['mean', 'median'] as const) {
    const error = await t.throwsAsync(() => impute.run(input, { strategy }, recordingContext().context), {
      instanceOf: InputMismatchError,
    });
    t.is(error?.message, `column 1 has only NaN: it has no ${strategy} to impute; use strategy constant`);
  }
  const { output } = await impute.run(input, { strategy: 'constant', value: 5 }, recordingContext().context);
  t.deepEqual(Array.from(output.data), [1, 5, 2, 5, 3, 5]);
});

test('params: strategy mean by default; constant needs a value; unknown names are field problems', (t) => {
  t.deepEqual(impute.parseParams({}), { ok: true, params: { strategy: 'mean' } });
  t.deepEqual(impute.parseParams({ strategy: 'constant', value: 0 }), {
    ok: true,
    params: { strategy: 'constant', value: 0 },
  });
  t.deepEqual(impute.parseParams({ strategy: 'constant' }), {
    ok: false,
    problems: [{ field: 'params.value', message: 'required for strategy constant' }],
  });
  t.deepEqual(impute.parseParams({ strategy: 'mode', fill: 1 }), {
    ok: false,
    problems: [
      { field: 'params.fill', message: 'unknown parameter; known: strategy, value' },
      { field: 'params.strategy', message: 'must be one of mean, median, constant' },
    ],
  });
  t.deepEqual(impute.parseParams({ strategy: 'median', value: 3 }), {
    ok: false,
    problems: [{ field: 'params.value', message: 'only used with strategy constant' }],
  });
});
