// The new kernels through the runner: a second input named by a param, a JSON report as output, and bad
// input failing the attempt with a precise, non-retryable reason.
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { destroySharedGpu } from '../../kernels/gpujs/gpu-instance.ts';
import { matmulReference } from '../../kernels/matmul.ts';
import { createMatrix } from '../../kernels/matrix.ts';
import { RunnerError } from '../../runner/errors.ts';
import { readNpy, writeNpy } from '../../runner/io/npy.ts';
import { preflight } from '../../runner/preflight.ts';
import { runAttempt } from '../../runner/run-attempt.ts';
import { kernelJobSpec } from '../support/job-specs.ts';
import { temporaryDirectory } from '../support/npy-fixtures.ts';

test.after.always(() => destroySharedGpu());

const a = createMatrix(
  6,
  3,
  Float32Array.from({ length: 18 }, (_, i) => (i % 5) - 2),
);
const b = createMatrix(3, 2, Float32Array.from([1, 0, 0, 1, 2, -1]));
const gappy = createMatrix(
  4,
  2,
  Float32Array.from([1, Number.NaN, 2, Number.NaN, 3, Number.NaN, 1, Number.NaN]),
);

async function workspace(t: Parameters<typeof temporaryDirectory>[0]): Promise<string> {
  const cwd = await temporaryDirectory(t);
  await writeNpy(join(cwd, 'a.npy'), a);
  await writeNpy(join(cwd, 'b.npy'), b);
  await writeNpy(join(cwd, 'gappy.npy'), gappy);
  return cwd;
}

const hooks = () => ({ signal: new AbortController().signal, onProgress: () => {} });
const request = (cwd: string, spec: ReturnType<typeof kernelJobSpec>) => ({
  jobId: 'job-1',
  attempt: 1,
  spec,
  cwd,
  gpuIndices: [],
});

test('matmul reads B from params.b relative to cwd and commits A x B', async (t) => {
  const cwd = await workspace(t);
  const spec = kernelJobSpec({
    kernel: 'matmul',
    input: 'a.npy',
    output: 'out/c.npy',
    params: { b: 'b.npy' },
  });
  t.deepEqual(await preflight(spec, cwd), []);
  const result = await runAttempt(request(cwd, spec), hooks());
  t.is(result.rows, 6);
  t.regex(result.backend, /^gpu\.js:/);
  const written = await readNpy(result.output);
  t.deepEqual([written.rows, written.cols], [6, 2]);
  t.deepEqual(Array.from(written.data), Array.from(matmulReference(a, b)));
});

test('profile writes its report as JSON to a .json output, and refuses a matrix output', async (t) => {
  const cwd = await workspace(t);
  const spec = kernelJobSpec({ kernel: 'profile', input: 'gappy.npy', output: 'out/report.json' });
  t.deepEqual(await preflight(spec, cwd), []);
  const result = await runAttempt(request(cwd, spec), hooks());
  t.is(result.rows, 4);
  const report = JSON.parse(await readFile(result.output, 'utf8'));
  t.is(report.duplicateRows, 1);
  t.is(report.columns[1].missing, 4);
  t.is(report.errorToDataRatio, 1);
  const wrong = kernelJobSpec({ kernel: 'profile', input: 'gappy.npy', output: 'out/report.npy' });
  const problem = { field: 'output', message: 'kernel profile writes a JSON report; use a .json output' };
  t.deepEqual(await preflight(wrong, cwd), [problem]);
  const error = await t.throwsAsync(() => runAttempt(request(cwd, wrong), hooks()), {
    instanceOf: RunnerError,
  });
  t.is(error.code, 'OUTPUT_UNSUPPORTED');
});

const failures = [
  {
    name: 'an unknown kernel parameter',
    spec: kernelJobSpec({ kernel: 'minmax', input: 'a.npy', output: 'out/x.npy', params: { maximum: 2 } }),
    code: 'BAD_PARAMS',
    message: 'params.maximum: unknown parameter; known: min, max',
  },
  {
    name: 'a NaN-only column for impute by mean',
    spec: kernelJobSpec({ kernel: 'impute', input: 'gappy.npy', output: 'out/x.npy' }),
    code: 'INPUT_MALFORMED',
    message: 'column 1 has only NaN: it has no mean to impute; use strategy constant',
  },
  {
    name: 'matmul inner dimensions that differ',
    spec: kernelJobSpec({ kernel: 'matmul', input: 'b.npy', output: 'out/x.npy', params: { b: 'b.npy' } }),
    code: 'INPUT_MALFORMED',
    message:
      'inner dimensions differ: input is 3 x 2, params.b is 3 x 2 (input columns must equal params.b rows)',
  },
  {
    name: 'cosine-topk vectors of different lengths',
    spec: kernelJobSpec({
      kernel: 'cosine-topk',
      input: 'a.npy',
      output: 'out/x.npy',
      params: { corpus: 'b.npy' },
    }),
    code: 'INPUT_MALFORMED',
    message: 'vector lengths differ: the queries (input) have 3 columns, params.corpus has 2',
  },
  {
    name: 'an output that would overwrite the second input',
    spec: kernelJobSpec({ kernel: 'matmul', input: 'a.npy', output: 'b.npy', params: { b: 'b.npy' } }),
    code: 'OUTPUT_UNSUPPORTED',
    message: 'output must not overwrite params.b: a retry would read it',
  },
  {
    name: 'a missing second input',
    spec: kernelJobSpec({ kernel: 'matmul', input: 'a.npy', output: 'out/x.npy', params: { b: 'nope.npy' } }),
    code: 'INPUT_NOT_FOUND',
    message: 'params.b: input not found: ',
  },
] as const;

for (const { name, spec, code, message } of failures) {
  test(`${name} fails with ${code}, not retryable, naming it, and writes nothing`, async (t) => {
    const cwd = await workspace(t);
    const error = await t.throwsAsync(() => runAttempt(request(cwd, spec), hooks()), {
      instanceOf: RunnerError,
    });
    t.is(error.code, code);
    t.false(error.retryable);
    t.true(error.message.startsWith(message), error.message);
    await t.throwsAsync(() => access(join(cwd, 'out')));
  });
}

test('preflight refuses an output that would overwrite the second input', async (t) => {
  const cwd = await workspace(t);
  const spec = kernelJobSpec({ kernel: 'matmul', input: 'a.npy', output: 'b.npy', params: { b: 'b.npy' } });
  t.deepEqual(await preflight(spec, cwd), [
    { field: 'output', message: 'must not overwrite params.b: a retry would read it' },
  ]);
});

test('preflight names a missing or malformed second input on its param', async (t) => {
  const cwd = await workspace(t);
  await writeFile(join(cwd, 'b.csv'), '1,2\n');
  const missing = kernelJobSpec({
    kernel: 'cosine-topk',
    input: 'a.npy',
    output: 'o.npy',
    params: { corpus: 'c.npy' },
  });
  t.deepEqual(await preflight(missing, cwd), [
    { field: 'params.corpus', message: `file not found: ${join(cwd, 'c.npy')}` },
  ]);
  const csv = kernelJobSpec({ kernel: 'matmul', input: 'a.npy', output: 'o.npy', params: { b: 'b.csv' } });
  t.deepEqual(await preflight(csv, cwd), [
    { field: 'params.b', message: 'unsupported file type (.csv); use .npy or .jsonl' },
  ]);
});
