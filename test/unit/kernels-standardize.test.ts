import test from 'ava';
import { TRANSFORM_VALUES_PER_CHUNK } from '../../kernels/gpujs/affine-columns.ts';
import { destroySharedGpu } from '../../kernels/gpujs/gpu-instance.ts';
import { createMatrix } from '../../kernels/matrix.ts';
import { getKernel, kernelNames } from '../../kernels/registry.ts';
import { standardize, standardizeReference } from '../../kernels/standardize.ts';
import { firstMismatch } from '../support/float-comparison.ts';
import { awkwardMatrix, recordingContext } from '../support/kernel-context.ts';

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
