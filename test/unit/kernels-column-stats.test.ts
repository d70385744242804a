// Column statistics keep float64's accuracy on the columns that break naive formulas: an outlier as the
// shift, a large offset with a tiny spread, constant columns, NaN, several chunks.
import test from 'ava';
import { accumulateColumnStats, emptyColumnStats, standardDeviation } from '../../kernels/column-stats.ts';
import { seededRandom } from '../../kernels/seeded-random.ts';

/** Mean and population std by compensated two-pass sums: the reference. */
function reference(values: readonly number[]): { mean: number; std: number } {
  const compensated = (terms: Iterable<number>) => {
    let sum = 0;
    let carry = 0;
    for (const term of terms) {
      const next = sum + term;
      carry += Math.abs(sum) >= Math.abs(term) ? sum - next + term : term - next + sum;
      sum = next;
    }
    return sum + carry;
  };
  const mean = compensated(values) / values.length;
  return { mean, std: Math.sqrt(compensated(values.map((v) => (v - mean) ** 2)) / values.length) };
}

/** One column, fed in chunks of `chunkRows`. */
function columnStats(column: Float32Array, chunkRows: number) {
  const stats = emptyColumnStats(1);
  for (let start = 0; start < column.length; start += chunkRows)
    accumulateColumnStats(stats, column.subarray(start, start + chunkRows), 1);
  return { mean: stats.mean[0]!, std: standardDeviation(stats, 0, 0), count: stats.count[0]! };
}

const random = seededRandom(7);
const hardColumns: Record<string, Float32Array> = {
  'an outlier in the first row': Float32Array.from({ length: 1 << 18 }, (_, i) =>
    i === 0 ? 1001 : 1 + (random() - 0.5) * 1e-3,
  ),
  'a large offset, a spread of a few float32 steps': Float32Array.from(
    { length: 50_000 },
    () => 1e6 + Math.floor(random() * 4) * 0.0625,
  ),
  'an outlier at the start of the second chunk': Float32Array.from({ length: 50_000 }, (_, i) =>
    i === 20_000 ? -3e9 : 5 + random(),
  ),
  'a ramp': Float32Array.from({ length: 50_000 }, (_, i) => i),
};

for (const [name, column] of Object.entries(hardColumns)) {
  test(`${name}: mean and std within 1e-9 of the compensated reference`, (t) => {
    const expected = reference([...column]);
    for (const chunkRows of [column.length, 20_000, 999]) {
      const got = columnStats(column, chunkRows);
      t.true(
        Math.abs(got.mean - expected.mean) <= 1e-9 * Math.max(1, Math.abs(expected.mean)),
        `${chunkRows}`,
      );
      t.true(
        Math.abs(got.std - expected.std) <= 1e-9 * expected.std,
        `${chunkRows}: ${got.std} vs ${expected.std}`,
      );
    }
  });
}

test('a constant column has std 0, and NaN is left out', (t) => {
  const column = Float32Array.from({ length: 1_000 }, (_, i) => (i % 10 === 0 ? Number.NaN : 42.5));
  const got = columnStats(column, 300);
  t.is(got.count, 900);
  t.is(got.mean, 42.5);
  t.is(got.std, 0);
});
