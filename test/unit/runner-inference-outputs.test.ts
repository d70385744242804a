// Post-processing, confidence routing and sharding, end to end through runAttempt.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { JobSpecInput } from '../../api/schemas/job-spec.ts';
import { createMatrix } from '../../kernels/matrix.ts';
import { buildMlpModel, type MlpShape, mlpReference, mlpWeights } from '../../kernels/onnx/mlp-model.ts';
import { releaseSessions } from '../../kernels/onnx/session-cache.ts';
import { RunnerError } from '../../runner/errors.ts';
import { inspectNpy, writeNpy } from '../../runner/io/npy.ts';
import { runAttempt } from '../../runner/run-attempt.ts';
import { inferenceJobSpec } from '../support/job-specs.ts';
import { mlpWorkspace, temporaryDirectory } from '../support/npy-fixtures.ts';

const mlp: MlpShape = { inputDim: 8, hiddenDims: [16], outputDim: 4, seed: 9, exposeLogits: true };
const ROWS = 500;
const features = createMatrix(
  ROWS,
  8,
  Float32Array.from({ length: ROWS * 8 }, (_, i) => Math.sin(i * 0.61) * 2),
);
const probabilities = mlpReference(mlpWeights(mlp), features);

test.after.always(() => releaseSessions());

const workspace = (t: ExecutionContext) => mlpWorkspace(t, features, mlp);

async function run(cwd: string, overrides: Partial<JobSpecInput>) {
  return runAttempt(
    { jobId: 'job-1', attempt: 1, spec: inferenceJobSpec(overrides), cwd, gpuIndices: [] },
    { signal: new AbortController().signal, onProgress: () => {} },
  );
}

async function jsonLines(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

function referenceRow(r: number): number[] {
  return Array.from(probabilities.subarray(r * 4, r * 4 + 4));
}

function argmax(row: number[]): number {
  return row.indexOf(Math.max(...row));
}

test('argmax to .npy writes one int64 class index per row', async (t) => {
  const cwd = await workspace(t);
  const result = await run(cwd, {
    output: 'out/classes.npy',
    params: { postprocess: 'argmax', batchSize: 64 },
  });
  const header = await inspectNpy(result.output);
  t.is(header.descr, '<i8');
  t.deepEqual(header.shape, [ROWS]);
  const bytes = await readFile(result.output);
  const classes = new BigInt64Array(bytes.buffer.slice(bytes.byteOffset + header.dataOffset));
  t.deepEqual(
    Array.from(classes, Number),
    Array.from({ length: ROWS }, (_, r) => argmax(referenceRow(r))),
  );
});

test('softmax of the logits output gives the model probabilities', async (t) => {
  const cwd = await workspace(t);
  const result = await run(cwd, {
    output: 'out/p.jsonl',
    params: { outputs: ['logits'], postprocess: 'softmax' },
  });
  const lines = await jsonLines(result.output);
  t.is(lines.length, ROWS);
  lines.forEach((line, r) => {
    const row = line['logits'] as number[];
    referenceRow(r).forEach((p, c) => {
      if (Math.abs(row[c]! - p) > 1e-5) t.fail(`row ${r} class ${c}: ${row[c]} vs ${p}`);
    });
  });
  t.pass();
});

test('topk to JSONL writes indices and scores, largest first', async (t) => {
  const cwd = await workspace(t);
  const result = await run(cwd, { output: 'out/top.jsonl', params: { postprocess: 'topk', k: 2 } });
  const lines = await jsonLines(result.output);
  t.deepEqual(Object.keys(lines[0]!), ['indices', 'scores']);
  lines.forEach((line, r) => {
    const row = referenceRow(r);
    const order = row.map((_, c) => c).sort((a, b) => row[b]! - row[a]!);
    t.deepEqual(line['indices'], order.slice(0, 2));
  });
});

test('rows below the review threshold also go to review.jsonl with row, prediction and confidence', async (t) => {
  const cwd = await workspace(t);
  const result = await run(cwd, { params: { reviewBelow: 0.6, batchSize: 37 } });
  const review = await jsonLines(join(cwd, 'out', 'review.jsonl'));
  const expected = Array.from({ length: ROWS }, (_, r) => r).filter(
    (r) => Math.max(...referenceRow(r)) < 0.6,
  );
  // The threshold splits the rows: the test data has confident and unconfident rows.
  t.true(expected.length > 10 && expected.length < ROWS - 10, `${expected.length} rows to review`);
  t.deepEqual(
    review.map((line) => line['row']),
    expected,
  );
  for (const line of review) {
    const row = referenceRow(line['row'] as number);
    t.is(line['prediction'], argmax(row));
    t.true(Math.abs((line['confidence'] as number) - Math.max(...row)) < 1e-5);
  }
  t.like(result.details, { review: { output: join(cwd, 'out', 'review.jsonl'), rows: expected.length } });
  // The main output still has every row.
  t.deepEqual((await inspectNpy(result.output)).shape, [ROWS, 4]);
});

test('shards: the outputs of all children concatenate to the single-job output byte for byte', async (t) => {
  const cwd = await workspace(t);
  const single = await run(cwd, { output: 'out/all.jsonl', params: { batchSize: 64, reviewBelow: 0.6 } });
  const count = 3;
  const parts: Buffer[] = [];
  const reviews: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    const result = await run(cwd, {
      output: `out/part-${index}.jsonl`,
      params: { batchSize: 64, reviewBelow: 0.6, shard: { index, count } },
    });
    t.like(result.details, { shard: { index, count } });
    parts.push(await readFile(result.output));
    reviews.push(await readFile(join(cwd, 'out', `review-${index}-of-${count}.jsonl`)));
  }
  t.is(Buffer.concat(parts).compare(await readFile(single.output)), 0);
  // Review rows are numbered in the whole input, so they concatenate too.
  t.is(Buffer.concat(reviews).compare(await readFile(join(cwd, 'out', 'review.jsonl'))), 0);
  t.deepEqual(
    parts.map((part) => part.toString().split('\n').length - 1),
    [166, 167, 167],
  );
});

test('shards of a .npy output hold the single output data, slice by slice', async (t) => {
  const cwd = await workspace(t);
  const single = await readFile((await run(cwd, { output: 'out/all.npy' })).output);
  const singleHeader = await inspectNpy(join(cwd, 'out', 'all.npy'));
  const data: Buffer[] = [];
  for (let index = 0; index < 4; index++) {
    const output = join(cwd, 'out', `part-${index}.npy`);
    await run(cwd, { output: `out/part-${index}.npy`, params: { shard: { index, count: 4 } } });
    data.push((await readFile(output)).subarray((await inspectNpy(output)).dataOffset));
  }
  t.is(Buffer.concat(data).compare(single.subarray(singleHeader.dataOffset)), 0);
});

test('more shards than rows leave some children with an empty, valid output', async (t) => {
  const cwd = await temporaryDirectory(t);
  await writeNpy(join(cwd, 'features.npy'), createMatrix(2, 8));
  await writeFile(join(cwd, 'mlp.onnx'), buildMlpModel(mlp));
  const result = await run(cwd, { params: { shard: { index: 0, count: 3 } } });
  t.is(result.rows, 0);
  t.deepEqual((await inspectNpy(result.output)).shape, [0, 4]);
});

test('a shard of a CSV input stops at its slice; an empty slice writes an empty output', async (t) => {
  const cwd = await workspace(t);
  const lines = Array.from({ length: 5 }, (_, r) =>
    Array.from({ length: 8 }, (_, c) => r + c / 10).join(','),
  );
  await writeFile(join(cwd, 'five.csv'), `${lines.join('\n')}\n`);
  const counts: number[] = [];
  for (let index = 0; index < 7; index++) {
    const result = await run(cwd, {
      input: 'five.csv',
      output: `out/s${index}.jsonl`,
      params: { shard: { index, count: 7 } },
    });
    counts.push(result.rows);
  }
  t.deepEqual(counts, [0, 1, 1, 0, 1, 1, 1]);
});

test('an output that cannot be written fails retryably with OUTPUT_FAILED and leaves nothing', async (t) => {
  const cwd = await workspace(t);
  // A file where the output directory should be: creating it fails as a full disk or bad permissions would.
  await writeFile(join(cwd, 'out'), 'in the way');
  const error = await t.throwsAsync(() => run(cwd, { output: 'out/p.npy' }), { instanceOf: RunnerError });
  t.is(error.code, 'OUTPUT_FAILED');
  t.true(error.retryable);
  t.regex(error.message, /cannot write out\/p\.npy/);
  t.is(await readFile(join(cwd, 'out'), 'utf8'), 'in the way');
});

test('a review file that would overwrite the input is refused', async (t) => {
  const cwd = await workspace(t);
  const error = await t.throwsAsync(
    () => run(cwd, { params: { reviewBelow: 0.5, reviewOutput: 'features.npy' } }),
    {
      instanceOf: RunnerError,
    },
  );
  t.is(error.code, 'OUTPUT_UNSUPPORTED');
  t.regex(error.message, /params\.reviewOutput must differ from the input and the output/);
});
