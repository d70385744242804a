// The README's quick start, run as a user runs it: the real service, the real CLI, the example job files.
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { EXAMPLE_MLP, exampleFeatures, exampleMatrix, prepareExamples } from '../../examples/prepare.ts';
import { createMatrix, type Matrix } from '../../kernels/matrix.ts';
import { mlpReference, mlpWeights } from '../../kernels/onnx/mlp-model.ts';
import { standardizeReference } from '../../kernels/standardize.ts';
import { readNpy } from '../../runner/io/npy.ts';
import type { JobRecord } from '../../scheduler/job-record.ts';
import { firstMismatch } from '../support/float-comparison.ts';
import { serviceForFile } from '../support/service-process.ts';

const REPO = new URL('../../', import.meta.url).pathname;
const gpubatch = serviceForFile(test, {
  prefix: 'gpubatch-quickstart-',
  appendOnly: true,
  prepare: async (work) => {
    mkdirSync(join(work, 'examples'));
    for (const file of ['standardize.yaml', 'inference.yaml']) {
      copyFileSync(join(REPO, 'examples', file), join(work, 'examples', file));
    }
    await prepareExamples(join(work, 'examples', 'data'));
  },
});

async function submitAndWait(file: string): Promise<JobRecord> {
  const submitted = await gpubatch.cli('submit', file, '--wait');
  if (submitted.code !== 0) throw new Error(`submit exited ${submitted.code}: ${submitted.stderr}`);
  const id = submitted.stdout.trim().split('\n')[0]!;
  const described = await gpubatch.cli('describe', id, '--json');
  return JSON.parse(described.stdout) as JobRecord;
}

/** Rows of a matrix picked out, so the float64 MLP reference stays cheap on 500,000 rows. */
function sampleRows(matrix: Matrix, rows: number[]): Matrix {
  const sample = createMatrix(rows.length, matrix.cols);
  rows.forEach((row, i) => {
    sample.data.set(matrix.data.subarray(row * matrix.cols, (row + 1) * matrix.cols), i * matrix.cols);
  });
  return sample;
}

test.serial(
  'first start shows an admin token once, saves it 0600, and the CLI on this machine uses it',
  async (t) => {
    const file = join(gpubatch.work, '.gpubatch', 'admin-token');
    const token = readFileSync(file, 'utf8').trim();
    t.is(statSync(file).mode & 0o777, 0o600);
    t.regex(token, /^gpb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const output = gpubatch.service.output();
    t.is(output.split(token).length - 1, 1, 'the token appears once, in the boxed message');
    t.regex(output, /\| gpubatch created an admin API token\. It is shown this once:/);
    // The JSON log lines never carry it.
    for (const line of output.split('\n').filter((l) => l.startsWith('{'))) t.false(line.includes(token));
    // No GPUBATCH_TOKEN, no config file: the CLI found the token in ./.gpubatch/admin-token.
    const listed = await gpubatch.cli('tokens', 'ls');
    t.is(listed.code, 0, listed.stderr);
    t.regex(listed.stdout, /admin +default .* first start/);
    // Without a token the API answers 401.
    t.is((await fetch(`${gpubatch.service.url}/v1/jobs`)).status, 401);
  },
);

test.serial('examples/standardize.yaml SUCCEEDS and its output matches the float64 reference', async (t) => {
  const job = await submitAndWait('examples/standardize.yaml');
  t.is(job.status, 'SUCCEEDED');
  t.regex(job.attempts[0]?.backend ?? '', /^gpu\.js:/);
  t.is(job.result?.output, join(gpubatch.work, '.gpubatch/outputs/standardize.npy'));
  const output = await readNpy(job.result!.output);
  const expected = standardizeReference(exampleMatrix(), { ddof: 0 });
  t.is(firstMismatch(output.data, expected), undefined);
});

test.serial('examples/inference.yaml SUCCEEDS on ONNX Runtime and matches the MLP reference', async (t) => {
  const job = await submitAndWait('examples/inference.yaml');
  t.is(job.status, 'SUCCEEDED');
  t.is(job.attempts[0]?.backend, 'onnxruntime:cpu');
  t.deepEqual(job.attempts[0]?.placement.gpuIndices, []);
  const output = await readNpy(job.result!.output);
  const features = exampleFeatures();
  t.is(output.rows, features.rows);
  const rows = Array.from({ length: 200 }, (_, i) => (i < 100 ? i : features.rows - 1 - (i - 100) * 997));
  const expected = mlpReference(mlpWeights(EXAMPLE_MLP), sampleRows(features, rows));
  t.is(firstMismatch(sampleRows(output, rows).data, expected), undefined);
});
