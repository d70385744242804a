import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { JobSpec, JobSpecInput } from '../../api/schemas/job-spec.ts';
import { createMatrix } from '../../kernels/matrix.ts';
import { buildCastModel } from '../../kernels/onnx/cast-model.ts';
import { halfToNumber, numberToHalf } from '../../kernels/onnx/element-types.ts';
import { buildMlpModel, type MlpShape, mlpReference, mlpWeights } from '../../kernels/onnx/mlp-model.ts';
import { releaseSessions } from '../../kernels/onnx/session-cache.ts';
import { RunnerError, type RunnerErrorCode } from '../../runner/errors.ts';
import { readJsonl } from '../../runner/io/jsonl.ts';
import { inspectNpy, readNpy } from '../../runner/io/npy.ts';
import type { AttemptProgress } from '../../runner/protocol.ts';
import { runAttempt } from '../../runner/run-attempt.ts';
import { firstMismatch } from '../support/float-comparison.ts';
import { inferenceJobSpec } from '../support/job-specs.ts';
import { mlpWorkspace, npyBytes, temporaryDirectory } from '../support/npy-fixtures.ts';

const mlp: MlpShape = { inputDim: 8, hiddenDims: [16], outputDim: 3, seed: 3, exposeLogits: true };
const features = createMatrix(
  300,
  8,
  Float32Array.from({ length: 2400 }, (_, i) => Math.cos(i * 0.37) * 3),
);
const expected = mlpReference(mlpWeights(mlp), features);

test.after.always(() => releaseSessions());

const workspace = (t: ExecutionContext) => mlpWorkspace(t, features, mlp);

async function run(cwd: string, overrides: Partial<JobSpecInput> = {}, progress: AttemptProgress[] = []) {
  return runAttempt(
    { jobId: 'job-1', attempt: 1, spec: inferenceJobSpec(overrides), cwd, gpuIndices: [] },
    { signal: new AbortController().signal, onProgress: (p) => progress.push(p) },
  );
}

async function failure(cwd: string, spec: JobSpec): Promise<RunnerError> {
  try {
    await runAttempt(
      { jobId: 'job-1', attempt: 1, spec, cwd, gpuIndices: [] },
      { signal: new AbortController().signal, onProgress: () => {} },
    );
  } catch (error) {
    if (error instanceof RunnerError) return error;
    throw error;
  }
  throw new Error('the attempt succeeded');
}

test('rows stream through the model in batches and the .npy output matches the reference', async (t) => {
  const cwd = await workspace(t);
  const progress: AttemptProgress[] = [];
  const result = await run(cwd, { params: { batchSize: 64 } }, progress);
  t.deepEqual(
    progress.map((p) => p.done),
    [0, 64, 128, 192, 256, 300],
  );
  const output = await readNpy(result.output);
  t.deepEqual([output.rows, output.cols], [300, 3]);
  t.is(firstMismatch(output.data, expected), undefined);
  t.like(result.details, { batchSize: 64, outputName: 'probabilities', intraOpThreads: 1 });
});

test('intra-op threads are ceil(cpuMilli / 1000)', async (t) => {
  const cwd = await workspace(t);
  const result = await run(cwd, { resources: { cpuMilli: 1500 } as JobSpecInput['resources'] });
  t.like(result.details, { intraOpThreads: 2 });
});

const castCases = [
  { type: 'float32', descr: '<f4', data: Float32Array.from([1.5, -2, 0.25, 1e6, -0, 3]) },
  { type: 'float16', descr: '<f2', data: Uint16Array.from([1.5, -2, 0.25, 65504, 0.1, 3], numberToHalf) },
  { type: 'int64', descr: '<i8', data: BigInt64Array.from([1n, -2n, 3n, 4000000n, 0n, 7n]) },
  { type: 'uint8', descr: '|u1', data: Uint8Array.from([0, 1, 2, 127, 128, 255]) },
] as const;

for (const { type, descr, data } of castCases) {
  test(`a ${type} .npy (${descr}) feeds a model that takes ${type}, unchanged`, async (t) => {
    const cwd = await temporaryDirectory(t);
    await writeFile(join(cwd, 'values.npy'), npyBytes({ descr, shape: '(3, 2)', data }));
    await writeFile(join(cwd, 'cast.onnx'), buildCastModel(type, 2));
    const result = await run(cwd, { model: 'cast.onnx', input: 'values.npy', params: { batchSize: 2 } });
    const values = Array.from(data as ArrayLike<number | bigint>, (v) =>
      type === 'float16' ? halfToNumber(v as number) : Math.fround(Number(v)),
    );
    t.deepEqual(Array.from((await readNpy(result.output)).data), values);
  });
}

test('float16 conversion round-trips every finite half value', (t) => {
  for (let bits = 0; bits < 0x10000; bits++) {
    const value = halfToNumber(bits);
    if (Number.isNaN(value)) continue;
    if (numberToHalf(value) !== bits) return t.fail(`bits ${bits.toString(16)} -> ${value}`);
  }
  t.is(numberToHalf(1 / 3), 0x3555);
  t.is(numberToHalf(70000), 0x7c00);
});

const badInputs: {
  name: string;
  file: Buffer;
  code: RunnerErrorCode;
  message: RegExp;
}[] = [
  {
    name: 'a truncated file',
    file: npyBytes({ shape: '(2, 8)', values: Array.from({ length: 16 }, (_, i) => i), truncateBy: 12 }),
    code: 'INPUT_MALFORMED',
    message: /input\.npy: truncated: data has 52 bytes but shape \(2, 8\) of float32 needs 64/,
  },
  {
    name: 'a bad header',
    file: npyBytes({ magic: 'PK\x03\x04ZZ' }),
    code: 'INPUT_MALFORMED',
    message: /not a \.npy file \(bad magic/,
  },
  {
    name: 'Fortran order',
    file: npyBytes({ fortranOrder: 'True', shape: '(2, 8)', values: Array(16).fill(0) }),
    code: 'INPUT_MALFORMED',
    message: /fortran_order True is not supported/,
  },
  {
    name: 'an unsupported dtype',
    file: npyBytes({ descr: '<f8', shape: '(1, 8)', values: Array(16).fill(0) }),
    code: 'INPUT_MALFORMED',
    message: /unsupported dtype '<f8'/,
  },
  {
    name: 'a dtype the model cannot take',
    file: npyBytes({ descr: '<i8', shape: '(1, 8)', data: new BigInt64Array(8) }),
    code: 'INPUT_MALFORMED',
    message: /input is int64 but model input "features" takes float32/,
  },
  {
    name: 'a row shape the model cannot take',
    file: npyBytes({ shape: '(1, 2, 4)', values: Array(8).fill(0) }),
    code: 'INPUT_MALFORMED',
    message: /input rows have shape \(2, 4\); model input "features" takes rows of \(8\)/,
  },
];

for (const { name, file, code, message } of badInputs) {
  test(`${name} fails with ${code}, unrecoverable, and leaves no output`, async (t) => {
    const cwd = await workspace(t);
    await writeFile(join(cwd, 'input.npy'), file);
    const error = await failure(cwd, inferenceJobSpec({ input: 'input.npy' }));
    t.is(error.code, code);
    t.false(error.retryable);
    t.regex(error.message, message);
    await t.throwsAsync(() => readFile(join(cwd, 'out', 'probabilities.npy')));
  });
}

const badModels: { name: string; params: Record<string, unknown>; code: RunnerErrorCode; message: RegExp }[] =
  [
    {
      name: 'an output the model does not have',
      params: { outputs: ['probabilities', 'embedding'] },
      code: 'BAD_PARAMS',
      message:
        /params\.outputs\[1\]: "embedding" is not an output of the model; it has "probabilities", "logits"/,
    },
    {
      name: 'an input name the model does not have',
      params: { inputName: 'pixels' },
      code: 'BAD_PARAMS',
      message: /params\.inputName: "pixels" is not an input of the model; it has "features"/,
    },
  ];

for (const { name, params, code, message } of badModels) {
  test(`${name} fails with ${code}`, async (t) => {
    const cwd = await workspace(t);
    const error = await failure(cwd, inferenceJobSpec({ params }));
    t.is(error.code, code);
    t.regex(error.message, message);
  });
}

test('a model with a fixed batch dimension gets its batch size; the last batch is padded and trimmed', async (t) => {
  const cwd = await workspace(t);
  await writeFile(join(cwd, 'fixed.onnx'), buildMlpModel({ ...mlp, fixedBatch: 32 }));
  const progress: AttemptProgress[] = [];
  const result = await run(cwd, { model: 'fixed.onnx', params: { batchSize: 100 } }, progress);
  t.like(result.details, { batchSize: 32 });
  t.is(progress.at(-1)?.done, 300);
  t.deepEqual(progress.at(-2)?.done, 288);
  const output = await readNpy(result.output);
  t.is(output.rows, 300);
  t.is(firstMismatch(output.data, expected), undefined);
});

test('named outputs are written in the order asked, as one JSON object per row', async (t) => {
  const cwd = await workspace(t);
  const result = await run(cwd, {
    output: 'out/both.jsonl',
    params: { outputs: ['logits', 'probabilities'] },
  });
  t.deepEqual(result.details?.['outputNames'], ['logits', 'probabilities']);
  const lines = (await readFile(result.output, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  t.is(lines.length, 300);
  t.deepEqual(Object.keys(lines[0]), ['logits', 'probabilities']);
  const probabilities = createMatrix(300, 3, Float32Array.from(lines.flatMap((line) => line.probabilities)));
  t.is(firstMismatch(probabilities.data, expected), undefined);
});

test('two outputs cannot go to one .npy file', async (t) => {
  const cwd = await workspace(t);
  const error = await failure(cwd, inferenceJobSpec({ params: { outputs: ['logits', 'probabilities'] } }));
  t.is(error.code, 'OUTPUT_UNSUPPORTED');
  t.regex(error.message, /a \.npy file holds one array, but this job writes 2.*use a \.jsonl output/);
});

test('a JSONL input feeds the model like the same rows in .npy', async (t) => {
  const cwd = await workspace(t);
  const rows = Array.from(
    { length: 300 },
    (_, r) => `[${Array.from(features.data.subarray(r * 8, r * 8 + 8)).join(',')}]`,
  );
  await writeFile(join(cwd, 'features.jsonl'), `${rows.join('\n')}\n`);
  const result = await run(cwd, { input: 'features.jsonl', params: { batchSize: 50 } });
  t.is(firstMismatch((await readNpy(result.output)).data, expected), undefined);
});

test('a CSV input with a header line feeds the model; the header is skipped', async (t) => {
  const cwd = await workspace(t);
  const header = Array.from({ length: 8 }, (_, c) => `x${c}`).join(',');
  const rows = Array.from({ length: 300 }, (_, r) =>
    Array.from(features.data.subarray(r * 8, r * 8 + 8)).join(','),
  );
  await writeFile(join(cwd, 'features.csv'), `${header}\r\n${rows.join('\r\n')}\r\n`);
  const result = await run(cwd, { input: 'features.csv', output: 'out/p.jsonl' });
  t.is(firstMismatch((await readJsonl(result.output)).data, expected), undefined);
});

test('a CSV without a header reads every line as a row', async (t) => {
  const cwd = await workspace(t);
  await writeFile(join(cwd, 'two.csv'), '1,2,3,4,5,6,7,8\n"0.5",,NaN,4,5,6,7,8\n');
  const result = await run(cwd, { input: 'two.csv', output: 'out/p.jsonl' });
  t.is(result.rows, 2);
});

const badText = [
  { file: 'bad.csv', text: 'a,b\n1,2\n1,x\n', message: /bad\.csv: line 3, column 2 \("x"\) is not a number/ },
  {
    file: 'ragged.csv',
    text: '1,2\n1,2,3\n',
    message: /ragged\.csv: line 2 has 3 values; earlier rows have 2/,
  },
  { file: 'bad.jsonl', text: '[1,2]\n\n{"oops"\n', message: /bad\.jsonl: line 3 is not valid JSON/ },
];

for (const { file, text, message } of badText) {
  test(`text input errors name the file and line: ${file}`, async (t) => {
    const cwd = await workspace(t);
    await writeFile(join(cwd, file), text);
    const error = await failure(cwd, inferenceJobSpec({ input: file }));
    t.is(error.code, 'INPUT_MALFORMED');
    t.regex(error.message, message);
  });
}

test('the inspected header of a written output has the row count patched in', async (t) => {
  const cwd = await workspace(t);
  const result = await run(cwd, { params: { batchSize: 7 } });
  const header = await inspectNpy(result.output);
  t.deepEqual(header.shape, [300, 3]);
  t.is(header.dataOffset % 64, 0);
});

test('text values the model input type cannot hold fail with the file and line, from the parsing worker', async (t) => {
  const cwd = await temporaryDirectory(t);
  await writeFile(join(cwd, 'cast.onnx'), buildCastModel('uint8', 2));
  await writeFile(join(cwd, 'pixels.csv'), 'r,g\n0,255\n12,256\n');
  const error = await failure(cwd, inferenceJobSpec({ model: 'cast.onnx', input: 'pixels.csv' }));
  t.is(error.code, 'INPUT_MALFORMED');
  t.regex(error.message, /pixels\.csv: line 3, value 2 \(256\) is not a uint8/);
  await writeFile(join(cwd, 'ok.csv'), 'r,g\n0,255\n12,200\n');
  const result = await run(cwd, { model: 'cast.onnx', input: 'ok.csv', output: 'out/ok.jsonl' });
  t.is(await readFile(result.output, 'utf8'), '[0,255]\n[12,200]\n');
});
