import test from 'ava';
import { cosineTopk, cosineTopkOnGpu, cosineTopkReference } from '../../kernels/cosine-topk.ts';
import { destroySharedGpu } from '../../kernels/gpujs/gpu-instance.ts';
import { InputMismatchError } from '../../kernels/kernel-errors.ts';
import { createMatrix, type Matrix } from '../../kernels/matrix.ts';
import { getKernel } from '../../kernels/registry.ts';
import { TopK } from '../../kernels/top-k.ts';
import { randomMatrix, recordingContext } from '../support/kernel-context.ts';

test.after.always(() => destroySharedGpu());

/**
 * A cosine is a dot product over D terms divided by both norms; float32 sums are off by at most about
 * D * 2^-24 of |q|·|c| (Cauchy-Schwarz), so scores are compared absolutely: within 1e-5 is a relative
 * error of 1e-5 of the norms' product, sound for the D <= 64 used here. Near-ties may swap places, so a
 * returned index is right when its reference score is the reference score of that rank within 1e-5.
 */
function firstTopkMismatch(
  queries: Matrix,
  corpus: Matrix,
  k: number,
  actual: Float32Array,
): string | undefined {
  const expected = cosineTopkReference(queries, corpus, k);
  const scoreOf = (q: number, c: number) => {
    let dot = 0;
    let qq = 0;
    let cc = 0;
    for (let i = 0; i < queries.cols; i++) {
      const a = queries.data[q * queries.cols + i]!;
      const b = corpus.data[c * corpus.cols + i]!;
      dot += a * b;
      qq += a * a;
      cc += b * b;
    }
    return dot / Math.sqrt(qq * cc);
  };
  for (let q = 0; q < queries.rows; q++) {
    for (let j = 0; j < k; j++) {
      const index = actual[q * 2 * k + j]!;
      const score = actual[q * 2 * k + k + j]!;
      const wantIndex = expected[q * 2 * k + j]!;
      const wantScore = expected[q * 2 * k + k + j]!;
      if (wantIndex === -1 || index === -1) {
        if (index !== wantIndex || !Number.isNaN(score))
          return `query ${q} rank ${j}: ${index}, expected ${wantIndex}`;
        continue;
      }
      if (Math.abs(score - wantScore) > 1e-5)
        return `query ${q} rank ${j}: score ${score}, expected ${wantScore}`;
      if (Math.abs(scoreOf(q, index) - wantScore) > 1e-5) {
        return `query ${q} rank ${j}: row ${index} (score ${scoreOf(q, index)}), expected row ${wantIndex} (${wantScore})`;
      }
    }
  }
  return undefined;
}

test('the registry knows cosine-topk, which reads its corpus from params.corpus', (t) => {
  t.is(getKernel('cosine-topk'), cosineTopk);
  t.is(cosineTopk.secondInput, 'corpus');
});

test('the reference ranks a tiny corpus by hand: parallel first, ties to the lower index', (t) => {
  const corpus = createMatrix(4, 2, Float32Array.from([0, 1, 2, 0, -1, 0, 0, 3]));
  const queries = createMatrix(1, 2, Float32Array.from([1, 0]));
  // Row 1 is parallel (1), rows 0 and 3 orthogonal (0, tie: 0 first), row 2 opposite (-1).
  t.deepEqual(Array.from(cosineTopkReference(queries, corpus, 3)), [1, 0, 3, 1, 0, 0]);
});

test('top-k keeps the k best in order and lets the first of equal scores stay ahead', (t) => {
  const top = new TopK(3);
  for (const [index, score] of [
    [0, 0.5],
    [1, 0.9],
    [2, 0.5],
    [3, Number.NaN],
    [4, 0.7],
    [5, 0.1],
  ] as const) {
    top.offer(index, score);
  }
  t.deepEqual(Array.from(top.indices), [1, 4, 0]);
  t.deepEqual(Array.from(top.scores), [0.9, 0.7, 0.5]);
});

test('gpu.js output matches the float64 reference, with the backend recorded', async (t) => {
  const corpus = randomMatrix(500, 48, 1);
  const queries = randomMatrix(13, 48, 2);
  const { context, backends } = recordingContext();
  const result = await cosineTopk.run(queries, { corpus: 'c.npy', k: 7 }, context, corpus);
  t.deepEqual([result.output.rows, result.output.cols], [13, 14]);
  t.is(firstTopkMismatch(queries, corpus, 7, result.output.data), undefined);
  t.regex(result.backend, /^gpu\.js:(webgpu|headlessgl|webgl2?|webasm|cpu)$/);
  t.deepEqual(backends, [result.backend]);
});

test('a query finds its own corpus row first, with score 1', async (t) => {
  const corpus = randomMatrix(200, 16, 3);
  const queries = createMatrix(
    2,
    16,
    Float32Array.from([...corpus.data.subarray(5 * 16, 6 * 16), ...corpus.data.subarray(150 * 16, 151 * 16)]),
  );
  const { output } = await cosineTopk.run(
    queries,
    { corpus: 'c.npy', k: 2 },
    recordingContext().context,
    corpus,
  );
  t.deepEqual([output.data[0], output.data[4]], [5, 150]);
  t.true(Math.abs(output.data[2]! - 1) < 1e-6);
});

test('inputs larger than one buffer run in tiles of queries and corpus rows', async (t) => {
  const corpus = randomMatrix(101, 8, 4);
  const queries = randomMatrix(11, 8, 5);
  const { context, progress } = recordingContext();
  // 64 values per buffer: 8 queries and 8 corpus rows per call.
  const result = await cosineTopkOnGpu(queries, corpus, 5, context, {
    maxValues: 64,
    maxTerms: 256,
    maxColumns: 256,
  });
  t.is(firstTopkMismatch(queries, corpus, 5, result.output.data), undefined);
  t.is(progress.at(-1), 11);
  t.true(progress.length > 20);
});

test('NaN and zero rows: such corpus rows are never returned; such queries get -1 and NaN', async (t) => {
  const corpus = randomMatrix(30, 6, 6);
  const queries = randomMatrix(4, 6, 7);
  corpus.data.fill(0, 3 * 6, 4 * 6);
  corpus.data[10 * 6 + 2] = Number.NaN;
  queries.data[1 * 6 + 4] = Number.NaN;
  queries.data.fill(0, 2 * 6, 3 * 6);
  const { output } = await cosineTopk.run(
    queries,
    { corpus: 'c.npy', k: 29 },
    recordingContext().context,
    corpus,
  );
  t.is(firstTopkMismatch(queries, corpus, 29, output.data), undefined);
  const indices = (q: number) => Array.from(output.data.subarray(q * 58, q * 58 + 29));
  // 28 usable rows for 29 places: the last is empty.
  t.false(indices(0).includes(3));
  t.false(indices(0).includes(10));
  t.is(indices(0)[28], -1);
  t.deepEqual(indices(1), new Array(29).fill(-1));
  t.deepEqual(indices(2), new Array(29).fill(-1));
  t.true(Array.from(output.data.subarray(58 + 29, 2 * 58)).every(Number.isNaN));
});

test('queries and corpus of different widths are a typed error naming both', async (t) => {
  const error = await t.throwsAsync(
    () =>
      cosineTopk.run(
        randomMatrix(2, 8, 1),
        { corpus: 'c.npy', k: 3 },
        recordingContext().context,
        randomMatrix(9, 6, 2),
      ),
    { instanceOf: InputMismatchError },
  );
  t.is(error?.message, 'vector lengths differ: the queries (input) have 8 columns, params.corpus has 6');
});

test('params: corpus is a required path, k an integer 1..1024 (default 10); unknown names are problems', (t) => {
  t.deepEqual(cosineTopk.parseParams({ corpus: 'c.npy' }), { ok: true, params: { corpus: 'c.npy', k: 10 } });
  t.deepEqual(cosineTopk.parseParams({ corpus: 'c.npy', k: 0, metric: 'l2' }), {
    ok: false,
    problems: [
      { field: 'params.metric', message: 'unknown parameter; known: corpus, k' },
      { field: 'params.k', message: 'must be an integer from 1 to 1024' },
    ],
  });
});
