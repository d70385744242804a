import test from 'ava';
import { affineOnGpu, TRANSFORM_VALUES_PER_CHUNK } from '../../kernels/gpujs/affine-columns.ts';
import { affineKernelShape, flatResult } from '../../kernels/gpujs/affine-kernels.ts';
import { destroySharedGpu, sharedGpu } from '../../kernels/gpujs/gpu-instance.ts';
import { columnTransform } from '../../kernels/gpujs/standardize-transform.ts';
import { createMatrix, type Matrix } from '../../kernels/matrix.ts';
import { getKernel, kernelNames } from '../../kernels/registry.ts';
import { normal, seededRandom } from '../../kernels/seeded-random.ts';
import { standardize, standardizeReference } from '../../kernels/standardize.ts';
import { firstMismatch } from '../support/float-comparison.ts';
import { awkwardMatrix, randomMatrix, recordingContext } from '../support/kernel-context.ts';

test.after.always(() => destroySharedGpu());

test('the registry knows standardize', (t) => {
  t.true(kernelNames().includes('standardize'));
  t.is(getKernel('standardize'), standardize);
  t.is(getKernel('no-such-kernel'), undefined);
});

test('the reference z-scores a small column by hand', (t) => {
  // Column [1, 3, NaN, 5]: mean 3, population std sqrt(8/3).
  const std = Math.sqrt(8 / 3);
  const result = standardizeReference(createMatrix(4, 1, Float32Array.from([1, 3, Number.NaN, 5])), {
    ddof: 0,
  });
  t.deepEqual(Array.from(result), [-2 / std, 0, Number.NaN, 2 / std]);
  const sample = standardizeReference(createMatrix(3, 1, Float32Array.from([1, 3, 5])), { ddof: 1 });
  t.deepEqual(Array.from(sample), [-1, 0, 1]);
});

for (const ddof of [0, 1] as const) {
  test(`gpu.js output matches the float64 reference (ddof ${ddof}), NaN and constant columns included`, async (t) => {
    const input = awkwardMatrix(3000);
    const { context, backends } = recordingContext();
    const result = await standardize.run(input, { ddof }, context);
    t.is(firstMismatch(result.output.data, standardizeReference(input, { ddof })), undefined);
    t.regex(result.backend, /^gpu\.js:(webgpu|headlessgl|webgl2?|webasm|cpu)$/);
    t.deepEqual(backends, [result.backend]);
    t.deepEqual(result.details, { constantColumns: 2 });
  });
}

test('NaN stays NaN, a constant column becomes 0, and no column stat is polluted by NaN', async (t) => {
  const input = awkwardMatrix(50);
  const { output } = await standardize.run(input, { ddof: 0 }, recordingContext().context);
  const column = (c: number) => Array.from({ length: 50 }, (_, r) => output.data[r * 5 + c]!);
  t.true(column(3).every(Number.isNaN));
  t.deepEqual(column(2), new Array(50).fill(0));
  t.true(Number.isNaN(column(1)[0]!));
  t.false(column(1).slice(1, 7).some(Number.isNaN));
});

test('large matrices run in row chunks, reporting progress after each up to all rows', async (t) => {
  const rowsPerChunk = TRANSFORM_VALUES_PER_CHUNK / 8;
  const input = createMatrix(
    rowsPerChunk * 2 + 10,
    8,
    Float32Array.from({ length: (rowsPerChunk * 2 + 10) * 8 }, (_, i) => i % 97),
  );
  const { context, progress } = recordingContext();
  const { output } = await standardize.run(input, { ddof: 0 }, context);
  t.deepEqual(progress, [rowsPerChunk, rowsPerChunk * 2, rowsPerChunk * 2 + 10]);
  t.is(firstMismatch(output.data, standardizeReference(input, { ddof: 0 })), undefined);
});

test('an aborted signal stops the run with an AbortError', async (t) => {
  const controller = new AbortController();
  controller.abort();
  await t.throwsAsync(
    () => standardize.run(awkwardMatrix(10), { ddof: 0 }, recordingContext(controller.signal).context),
    {
      name: 'AbortError',
    },
  );
});

test('params: ddof defaults to 0; other values and unknown names are field problems', (t) => {
  t.deepEqual(standardize.parseParams({}), { ok: true, params: { ddof: 0 } });
  t.deepEqual(standardize.parseParams({ ddof: 1 }), { ok: true, params: { ddof: 1 } });
  t.deepEqual(standardize.parseParams({ ddof: 2, epsilon: 1e-9 }), {
    ok: false,
    problems: [
      { field: 'params.epsilon', message: 'unknown parameter; known: ddof' },
      { field: 'params.ddof', message: 'must be 0 or 1' },
    ],
  });
});

/**
 * Columns that break careless arithmetic, `cols` of them (at most 8): a large offset with a small spread
 * (twice), only NaN, a constant, an outlier in the first row (the statistics pass sums around each chunk's
 * first value), a ramp (each chunk's values far from the column's mean), tiny magnitudes, half NaN.
 */
function hardMatrix(rows: number, cols: number, seed = 3): Matrix {
  const random = seededRandom(seed);
  const columns = [
    () => 50_000 + normal(random) * 0.5,
    () => 10_000 + normal(random) * 0.01,
    () => Number.NaN,
    () => -3.5,
    (r: number) => (r === 0 ? 1e6 : normal(random)),
    (r: number) => 100 + r * 1e-3,
    () => normal(random) * 1e-20,
    (r: number) => (r % 2 === 1 ? Number.NaN : normal(random) * 2 + 3),
  ].slice(0, cols);
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = columns[c]!(r);
  return createMatrix(rows, cols, data);
}

// 8 columns take the 2D kernel on webasm, 7 the flat one; 40,003 rows of 8 are two statistics chunks.
for (const cols of [8, 7]) {
  for (const ddof of [0, 1] as const) {
    test(`hard columns match the float64 reference: ${cols} columns, ddof ${ddof}`, async (t) => {
      const input = hardMatrix(40_003, cols);
      const result = await standardize.run(input, { ddof }, recordingContext().context);
      t.is(firstMismatch(result.output.data, standardizeReference(input, { ddof })), undefined);
      t.regex(result.backend, /^gpu\.js:/);
      // The NaN-only and the constant column.
      t.deepEqual(result.details, { constantColumns: 2 });
    });
  }
}

test('tiny inputs match the reference: no rows, one row (std 0), two and three rows', async (t) => {
  for (const rows of [0, 1, 2, 3]) {
    for (const cols of [1, 4, 5, 8]) {
      for (const ddof of [0, 1] as const) {
        const input = hardMatrix(rows, cols, rows + cols);
        const { output } = await standardize.run(input, { ddof }, recordingContext().context);
        const mismatch = firstMismatch(output.data, standardizeReference(input, { ddof }));
        t.is(mismatch, undefined, `${rows} x ${cols}, ddof ${ddof}: ${mismatch}`);
      }
    }
  }
});

test('the transform gives the same values in calls of any size, for both kernel shapes', async (t) => {
  const webasm =
    (await standardize.run(randomMatrix(4, 4, 1), { ddof: 0 }, recordingContext().context)).backend ===
    'gpu.js:webasm';
  // Without a GPU (webasm), widths that are a multiple of 4 take the 2D kernel; other backends the flat one.
  t.is(affineKernelShape(sharedGpu(), 8), webasm ? 'rows' : 'flat');
  t.is(affineKernelShape(sharedGpu(), 5), 'flat');
  for (const cols of [8, 5]) {
    const input = randomMatrix(103, cols, cols);
    const mean = Float64Array.from({ length: cols }, (_, c) => c / 10 - 0.3);
    const std = Float64Array.from({ length: cols }, (_, c) => (c === 2 ? 0 : 0.5 + c));
    const expected = Float64Array.from(input.data, (value, i) => {
      const c = i % cols;
      return std[c]! > 0 ? (value - mean[c]!) / std[c]! : 0;
    });
    for (const rowsPerCall of [1, 7, 103]) {
      const { context, progress } = recordingContext();
      const { output } = await affineOnGpu(sharedGpu(), input, columnTransform(mean, std), context, {
        keepOutput: true,
        valuesPerChunk: rowsPerCall * cols,
      });
      t.is(firstMismatch(output!.data, expected), undefined, `${cols} columns, ${rowsPerCall} rows per call`);
      t.is(progress.length, Math.ceil(103 / rowsPerCall));
    }
  }
});

test('a caller done with its input gets the output written over it, with the same values', async (t) => {
  for (const cols of [8, 7]) {
    const input = hardMatrix(1_001, cols);
    const expected = standardizeReference(input, { ddof: 1 });
    const { context } = recordingContext();
    const { output } = await standardize.run(input, { ddof: 1 }, { ...context, inputDisposable: true });
    t.is(output.data, input.data);
    t.is(firstMismatch(output.data, expected), undefined);
  }
});

test('without that promise the input is left as it was', async (t) => {
  const input = hardMatrix(1_001, 8);
  const before = input.data.slice();
  const { output } = await standardize.run(input, { ddof: 0 }, recordingContext().context);
  t.not(output.data, input.data);
  t.deepEqual(input.data, before);
});

test('the 2D transform result is taken flat, row by row (another backend), or refused in any other shape', (t) => {
  t.deepEqual(flatResult(Float32Array.from([1, 2, 3, 4]), 2, 2), Float32Array.from([1, 2, 3, 4]));
  t.deepEqual(
    flatResult([Float32Array.from([1, 2]), Float32Array.from([3, 4])], 2, 2),
    Float32Array.from([1, 2, 3, 4]),
  );
  t.throws(() => flatResult(Float32Array.from([1, 2, 3]), 2, 2), { message: /expected 2 x 2/ });
  t.throws(() => flatResult([Float32Array.from([1, 2])], 2, 2), { message: /expected 2 x 2/ });
});
