import test from 'ava';
import { countDuplicateRows } from '../../kernels/duplicate-rows.ts';
import { destroySharedGpu } from '../../kernels/gpujs/gpu-instance.ts';
import { createMatrix, type Matrix } from '../../kernels/matrix.ts';
import { type ProfileReport, profile, profileReference } from '../../kernels/profile.ts';
import { getKernel } from '../../kernels/registry.ts';
import { normal, seededRandom } from '../../kernels/seeded-random.ts';
import { recordingContext } from '../support/kernel-context.ts';

test.after.always(() => destroySharedGpu());

/** Column 0 normal with planted outliers, 1 with NaN and infinities, 2 constant, 3 NaN only; some rows repeated. */
function dirtyMatrix(rows: number, seed = 1): Matrix {
  const random = seededRandom(seed);
  const cols = 4;
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    data[r * cols] = r % 97 === 0 ? 40 : normal(random) * 2 + 100;
    data[r * cols + 1] = r % 11 === 0 ? Number.NaN : r % 50 === 3 ? -Infinity : normal(random);
    data[r * cols + 2] = 7;
    data[r * cols + 3] = Number.NaN;
  }
  // Rows 10..14 repeat rows 0..4 exactly.
  data.copyWithin(10 * cols, 0, 5 * cols);
  return createMatrix(rows, cols, data);
}

/** Counts must be equal; float64 statistics within 1e-9 relative (both sides compute them in float64). */
function compareReports(
  t: import('ava').ExecutionContext,
  actual: ProfileReport,
  expected: ProfileReport,
): void {
  const { columns: actualColumns, ...actualRest } = actual;
  const { columns: expectedColumns, ...expectedRest } = expected;
  t.deepEqual(actualRest, expectedRest);
  t.is(actualColumns.length, expectedColumns.length);
  actualColumns.forEach((column, c) => {
    const want = expectedColumns[c]!;
    for (const key of ['column', 'count', 'missing', 'infinite', 'min', 'max', 'outliers'] as const) {
      t.is(column[key], want[key], `column ${c} ${key}`);
    }
    for (const key of ['mean', 'std'] as const) {
      if (want[key] === null) t.is(column[key], null, `column ${c} ${key}`);
      else
        t.true(
          Math.abs(column[key]! - want[key]!) <= 1e-9 * Math.max(1, Math.abs(want[key]!)),
          `column ${c} ${key}`,
        );
    }
  });
}

test('the registry knows profile, whose output is JSON', (t) => {
  t.is(getKernel('profile'), profile);
  t.is(profile.outputFormat, 'json');
});

test('the reference reports a tiny matrix as worked out by hand', (t) => {
  const input = createMatrix(4, 2, Float32Array.from([1, Number.NaN, 3, Infinity, 1, Number.NaN, 5, 2]));
  const report = profileReference(input, { zThreshold: 1 });
  t.deepEqual(report.columns[0], {
    column: 0,
    count: 4,
    missing: 0,
    infinite: 0,
    min: 1,
    max: 5,
    mean: 2.5,
    std: Math.sqrt(2.75),
    outliers: 1,
  });
  t.deepEqual(report.columns[1], {
    column: 1,
    count: 1,
    missing: 2,
    infinite: 1,
    min: 2,
    max: 2,
    mean: 2,
    std: 0,
    outliers: 0,
  });
  // Row 2 repeats row 0 (NaN with the same bits included).
  t.is(report.duplicateRows, 1);
  t.is(report.errorCells, 3);
  t.is(report.dataCells, 5);
  t.is(report.errorToDataRatio, 3 / 5);
});

test('gpu.js report matches the float64 reference: outliers, NaN, infinities, a NaN-only column, duplicates', async (t) => {
  const input = dirtyMatrix(3000);
  const { context, backends, progress } = recordingContext();
  const result = await profile.run(input, { zThreshold: 3 }, context);
  compareReports(t, result.output, profileReference(input, { zThreshold: 3 }));
  t.regex(result.backend, /^gpu\.js:(webgpu|headlessgl|webgl2?|webasm|cpu)$/);
  t.deepEqual(backends, [result.backend]);
  t.is(progress.at(-1), 3000);
  const [planted, , constant, nanOnly] = result.output.columns;
  // 31 planted rows (r % 97 === 0) plus row 10, which repeats row 0.
  t.is(planted!.outliers, 32);
  t.is(constant!.outliers, 0);
  t.deepEqual(nanOnly, {
    column: 3,
    count: 0,
    missing: 3000,
    infinite: 0,
    min: null,
    max: null,
    mean: null,
    std: null,
    outliers: 0,
  });
  // Rows 10..14 repeat rows 0..4; rows 1067 and 2134 (multiples of 97 and 11) are (40, NaN, 7, NaN) like row 0.
  t.is(result.output.duplicateRows, 7);
  t.true(JSON.parse(JSON.stringify(result.output)).columns.length === 4);
});

test('duplicate rows compare bits: -0 is not 0, and only exact repeats count', (t) => {
  const data = Float32Array.from([1, 2, 1, 2, 0, 1, -0, 1, 1, 2.0000002]);
  t.is(countDuplicateRows(data, 2), 1);
});

test('params: zThreshold 3 by default, must be positive; unknown names are field problems', (t) => {
  t.deepEqual(profile.parseParams({}), { ok: true, params: { zThreshold: 3 } });
  t.deepEqual(profile.parseParams({ zThreshold: 2.5 }), { ok: true, params: { zThreshold: 2.5 } });
  t.deepEqual(profile.parseParams({ zThreshold: 0, threshold: 3 }), {
    ok: false,
    problems: [
      { field: 'params.threshold', message: 'unknown parameter; known: zThreshold' },
      { field: 'params.zThreshold', message: 'must be a finite number greater than 0' },
    ],
  });
});
