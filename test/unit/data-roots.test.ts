// A job reads and writes only under its compute environment's data roots: checked on the paths as
// written and on the file system, where a symlink (made before or after the submit) cannot lead outside.
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { createMatrix } from '../../kernels/matrix.ts';
import { dataRootProblems } from '../../runner/data-roots.ts';
import { RunnerError } from '../../runner/errors.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import { runAttempt } from '../../runner/run-attempt.ts';
import { inferenceJobSpec, kernelJobSpec } from '../support/job-specs.ts';
import { temporaryDirectory } from '../support/npy-fixtures.ts';

/** A data root with matrix.npy in it, and a directory beside it that jobs must not reach. */
async function layout(t: Parameters<typeof temporaryDirectory>[0]) {
  const base = await temporaryDirectory(t);
  const root = join(base, 'data');
  const outside = join(base, 'private');
  await mkdir(root);
  await mkdir(outside);
  const matrix = createMatrix(4, 2, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
  await writeNpy(join(root, 'matrix.npy'), matrix);
  await writeNpy(join(outside, 'secret.npy'), matrix);
  return { root, outside };
}

test('paths under the root, relative or absolute, pass', async (t) => {
  const { root } = await layout(t);
  t.deepEqual(await dataRootProblems(kernelJobSpec(), root, [root]), []);
  t.deepEqual(
    await dataRootProblems(
      kernelJobSpec({ input: join(root, 'matrix.npy'), output: `${root}/new/dir/out.npy` }),
      root,
      [root],
    ),
    [],
  );
});

test('a ".." segment is refused even where it would stay inside', async (t) => {
  const { root } = await layout(t);
  const problems = await dataRootProblems(kernelJobSpec({ input: 'sub/../matrix.npy' }), root, [root]);
  t.deepEqual(problems, [{ field: 'input', message: 'must not contain ".." segments' }]);
});

test('climbing out with ".." is refused, naming the field', async (t) => {
  const { root } = await layout(t);
  const problems = await dataRootProblems(kernelJobSpec({ output: '../private/out.npy' }), root, [root]);
  t.deepEqual(problems, [{ field: 'output', message: 'must not contain ".." segments' }]);
});

test('an absolute path outside every root is refused, naming the field and the roots', async (t) => {
  const { root, outside } = await layout(t);
  const problems = await dataRootProblems(kernelJobSpec({ input: join(outside, 'secret.npy') }), root, [
    root,
  ]);
  t.deepEqual(problems, [{ field: 'input', message: `must be under the data root ${root}` }]);
});

test('a sibling directory sharing the root as a name prefix is outside', async (t) => {
  const { root } = await layout(t);
  await mkdir(`${root}-other`);
  const problems = await dataRootProblems(kernelJobSpec({ input: `${root}-other/m.npy` }), root, [root]);
  t.is(problems[0]?.field, 'input');
});

test('model and second inputs are checked too', async (t) => {
  const { root } = await layout(t);
  const inference = await dataRootProblems(inferenceJobSpec({ model: '/etc/passwd.onnx' }), root, [root]);
  const matmul = await dataRootProblems(
    kernelJobSpec({ kernel: 'matmul', params: { b: '/etc/b.npy' } }),
    root,
    [root],
  );
  t.deepEqual(
    inference.map((p) => p.field),
    ['model'],
  );
  t.deepEqual(
    matmul.map((p) => p.field),
    ['params.b'],
  );
});

test("inference's review output is a path it writes: checked like the output", async (t) => {
  const { root } = await layout(t);
  const problems = await dataRootProblems(
    inferenceJobSpec({ params: { reviewBelow: 0.5, reviewOutput: '/tmp/elsewhere/review.jsonl' } }),
    root,
    [root],
  );
  t.deepEqual(
    problems.map((p) => p.field),
    ['params.reviewOutput'],
  );
});

test('a path in any of several roots passes', async (t) => {
  const { root, outside } = await layout(t);
  const problems = await dataRootProblems(kernelJobSpec({ input: join(outside, 'secret.npy') }), root, [
    root,
    outside,
  ]);
  t.deepEqual(problems, []);
});

test('a symlink inside the root that points outside is refused', async (t) => {
  const { root, outside } = await layout(t);
  await symlink(join(outside, 'secret.npy'), join(root, 'link.npy'));
  await symlink(outside, join(root, 'linked-dir'));

  const file = await dataRootProblems(kernelJobSpec({ input: 'link.npy' }), root, [root]);
  const directory = await dataRootProblems(kernelJobSpec({ output: 'linked-dir/new/out.npy' }), root, [root]);

  t.deepEqual(
    file.map((p) => p.field),
    ['input'],
  );
  t.regex(file[0]!.message, /symbolic link/);
  t.deepEqual(
    directory.map((p) => p.field),
    ['output'],
  );
});

test('a dangling symlink aimed outside counts as outside (it could be filled in later)', async (t) => {
  const { root, outside } = await layout(t);
  await symlink(join(outside, 'not-yet.npy'), join(root, 'dangling.npy'));
  const problems = await dataRootProblems(kernelJobSpec({ input: 'dangling.npy' }), root, [root]);
  t.deepEqual(
    problems.map((p) => p.field),
    ['input'],
  );
});

test('a symlink that stays inside the root is fine', async (t) => {
  const { root } = await layout(t);
  await mkdir(join(root, 'inputs'));
  await symlink(join(root, 'matrix.npy'), join(root, 'inputs', 'alias.npy'));
  t.deepEqual(await dataRootProblems(kernelJobSpec({ input: 'inputs/alias.npy' }), root, [root]), []);
});

test('a root that is itself a symlink holds what is under its target', async (t) => {
  const { root } = await layout(t);
  const linkedRoot = `${root}-link`;
  await symlink(root, linkedRoot);
  t.deepEqual(await dataRootProblems(kernelJobSpec(), linkedRoot, [linkedRoot]), []);
});

test('the runner refuses a symlink made after the submit, before opening anything: PATH_NOT_ALLOWED, not retried', async (t) => {
  const { root, outside } = await layout(t);
  const spec = kernelJobSpec({ input: 'later.npy' });
  t.deepEqual(await dataRootProblems(spec, root, [root]), [], 'at submit there is nothing to refuse');
  await symlink(join(outside, 'secret.npy'), join(root, 'later.npy'));

  const error = await t.throwsAsync(
    runAttempt(
      { jobId: 'job-1', attempt: 1, spec, cwd: root, dataRoots: [root], gpuIndices: [] },
      { signal: new AbortController().signal, onProgress: () => undefined },
    ),
    { instanceOf: RunnerError },
  );

  t.is(error?.code, 'PATH_NOT_ALLOWED');
  t.false(error?.retryable);
  t.regex(error?.message ?? '', /^input must be under the data root/);
});

test('without dataRoots the runner keeps a job inside its working directory', async (t) => {
  const { root, outside } = await layout(t);
  const error = await t.throwsAsync(
    runAttempt(
      {
        jobId: 'job-1',
        attempt: 1,
        spec: kernelJobSpec({ input: join(outside, 'secret.npy') }),
        cwd: root,
        gpuIndices: [],
      },
      { signal: new AbortController().signal, onProgress: () => undefined },
    ),
    { instanceOf: RunnerError },
  );
  t.is(error?.code, 'PATH_NOT_ALLOWED');
});
