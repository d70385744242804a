import test from 'ava';
import { affineColumns, affineOnGpu } from '../../kernels/gpujs/affine-columns.ts';
import { destroySharedGpu, sharedGpu } from '../../kernels/gpujs/gpu-instance.ts';
import { createMatrix } from '../../kernels/matrix.ts';
import { minmax, minmaxReference } from '../../kernels/minmax.ts';
import { getKernel } from '../../kernels/registry.ts';
import { firstMismatch } from '../support/float-comparison.ts';
import { awkwardMatrix, recordingContext } from '../support/kernel-context.ts';

test.after.always(() => destroySharedGpu());

test('the registry knows minmax', (t) => {
  t.is(getKernel('minmax'), minmax);
});

test('the reference scales a small column by hand', (t) => {
  const column = createMatrix(4, 1, Float32Array.from([2, 4, Number.NaN, 10]));
  t.deepEqual(Array.from(minmaxReference(column, { min: 0, max: 1 })), [0, 0.25, Number.NaN, 1]);
  t.deepEqual(Array.from(minmaxReference(column, { min: -1, max: 1 })), [-1, -0.5, Number.NaN, 1]);
});

for (const range of [
  { min: 0, max: 1 },
  { min: -3, max: 5 },
]) {
  test(`gpu.js output matches the float64 reference for [${range.min}, ${range.max}], NaN and constant columns included`, async (t) => {
    const input = awkwardMatrix(3000);
    const { context, backends } = recordingContext();
    const result = await minmax.run(input, range, context);
    t.is(firstMismatch(result.output.data, minmaxReference(input, range)), undefined);
    t.regex(result.backend, /^gpu\.js:(webgpu|headlessgl|webgl2?|webasm|cpu)$/);
    t.deepEqual(backends, [result.backend]);
    t.deepEqual(result.details, { constantColumns: 1, emptyColumns: 1 });
  });
}

test('NaN stays NaN, a constant column becomes min, a NaN-only column stays NaN', async (t) => {
  const input = awkwardMatrix(50);
  const { output } = await minmax.run(input, { min: 2, max: 3 }, recordingContext().context);
  const column = (c: number) => Array.from({ length: 50 }, (_, r) => output.data[r * 5 + c]!);
  t.true(column(3).every(Number.isNaN));
  t.deepEqual(column(2), new Array(50).fill(2));
  t.true(Number.isNaN(column(1)[0]!));
  const ordinary = column(0);
  t.is(Math.min(...ordinary), 2);
  t.is(Math.max(...ordinary), 3);
});

test('large inputs run in row chunks, reporting progress after each', async (t) => {
  const input = awkwardMatrix(100);
  const { context, progress } = recordingContext();
  const coefficients = affineColumns(
    new Float64Array(5).fill(1),
    new Float64Array(5).fill(2),
    new Float64Array(5),
  );
  // 40 values per call: 8 rows of 5.
  const { output } = await affineOnGpu(sharedGpu(), input, coefficients, context, {
    keepOutput: true,
    valuesPerChunk: 40,
  });
  t.is(progress.length, 13);
  t.is(progress.at(-1), 100);
  const expected = Float64Array.from(input.data, (value) => (value - 1) * 2);
  t.is(firstMismatch(output!.data, expected), undefined);
});

test('a caller done with its input gets the output written over it, with the same values', async (t) => {
  const input = awkwardMatrix(1_001);
  const params = { min: -1, max: 1 };
  const expected = minmaxReference(input, params);
  const { context } = recordingContext();
  const { output } = await minmax.run(input, params, { ...context, inputDisposable: true });
  t.is(output.data, input.data);
  t.is(firstMismatch(output.data, expected), undefined);
});

test('params: min 0 and max 1 by default; max must exceed min; unknown names are field problems', (t) => {
  t.deepEqual(minmax.parseParams({}), { ok: true, params: { min: 0, max: 1 } });
  t.deepEqual(minmax.parseParams({ min: -1, max: 1 }), { ok: true, params: { min: -1, max: 1 } });
  t.deepEqual(minmax.parseParams({ min: 1, max: 1 }), {
    ok: false,
    problems: [{ field: 'params.max', message: 'must be greater than min (1)' }],
  });
  t.deepEqual(minmax.parseParams({ min: 'low', range: [0, 1] }), {
    ok: false,
    problems: [
      { field: 'params.range', message: 'unknown parameter; known: min, max' },
      { field: 'params.min', message: 'must be a finite number' },
    ],
  });
});
