import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { createMatrix } from '../../kernels/matrix.ts';
import { buildMlpModel } from '../../kernels/onnx/mlp-model.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import type { AttemptRequest } from '../../runner/protocol.ts';
import { inferenceJobSpec, kernelJobSpec } from '../support/job-specs.ts';
import { type RunnerProcess, startRunner } from '../support/runner-process.ts';

// One runner process for the whole file, as an executor reuses one: every test leaves it ready.
let runner: RunnerProcess;
let cwd: string;

test.before(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'gpubatch-runner-main-'));
  await writeNpy(
    join(cwd, 'matrix.npy'),
    createMatrix(2000, 4, Float32Array.from({ length: 8000 }, Math.sqrt)),
  );
  // Enough rows that a batch size of 1 keeps the runner busy while we cancel.
  await writeNpy(join(cwd, 'features.npy'), createMatrix(200_000, 8));
  await writeFile(
    join(cwd, 'mlp.onnx'),
    buildMlpModel({ inputDim: 8, hiddenDims: [4], outputDim: 3, seed: 1 }),
  );
  runner = startRunner();
  await runner.waitFor('ready');
});

test.after.always(async () => {
  runner.child.disconnect();
  await runner.exited;
  await rm(cwd, { recursive: true, force: true });
});

function request(jobId: string, spec = kernelJobSpec()): AttemptRequest {
  return { jobId, attempt: 1, spec: { ...spec, output: `out/${jobId}.npy` }, cwd, gpuIndices: [] };
}

test.serial(
  'run: started with the backend, progress, then succeeded with the committed output',
  async (t) => {
    const from = runner.messages.length;
    runner.send({ type: 'run', request: request('ok-1') });
    const succeeded = await runner.waitFor('succeeded', { jobId: 'ok-1', from });
    const types = runner.messages.slice(from).map((m) => m.type);
    t.is(types[0], 'started');
    t.is(types.at(-1), 'succeeded');
    t.true(types.includes('progress'));
    const started = await runner.waitFor('started', { jobId: 'ok-1', from });
    t.is(started.backend, succeeded.result.backend);
    const lastProgress = runner.messages.slice(from).findLast((m) => m.type === 'progress');
    t.deepEqual(lastProgress?.type === 'progress' && lastProgress.progress, { done: 2000, total: 2000 });
    t.is(succeeded.result.output, join(cwd, 'out', 'ok-1.npy'));
    t.is(succeeded.result.rows, 2000);
    await t.notThrowsAsync(() => access(succeeded.result.output));
  },
);

test.serial('a bad job is reported as failed and the same process runs the next job', async (t) => {
  const from = runner.messages.length;
  runner.send({ type: 'run', request: request('bad-1', kernelJobSpec({ kernel: 'nope' })) });
  const failed = await runner.waitFor('failed', { jobId: 'bad-1', from });
  t.deepEqual(failed.failure, {
    code: 'UNKNOWN_KERNEL',
    message: 'unknown kernel "nope"; known: cosine-topk, impute, matmul, minmax, profile, standardize',
    retryable: false,
  });
  runner.send({ type: 'run', request: request('ok-2') });
  await runner.waitFor('succeeded', { jobId: 'ok-2', from });
  t.is(runner.child.exitCode, null);
});

test.serial(
  'cancel aborts the running attempt: failed CANCELLED, no output, and the runner stays usable',
  async (t) => {
    const from = runner.messages.length;
    const slow = request('slow-1', inferenceJobSpec({ params: { batchSize: 1 } }));
    runner.send({ type: 'run', request: slow });
    await runner.waitFor('progress', { jobId: 'slow-1', from });
    runner.send({ type: 'cancel', jobId: 'slow-1' });
    const failed = await runner.waitFor('failed', { jobId: 'slow-1', from });
    t.is(failed.failure.code, 'CANCELLED');
    t.false(failed.failure.retryable);
    await t.throwsAsync(() => access(join(cwd, 'out', 'slow-1.npy')));
    runner.send({ type: 'run', request: request('ok-3') });
    await runner.waitFor('succeeded', { jobId: 'ok-3', from });
  },
);

test.serial(
  'a second run while one is running is refused as BUSY without disturbing the first',
  async (t) => {
    const from = runner.messages.length;
    runner.send({ type: 'run', request: request('slow-2', inferenceJobSpec({ params: { batchSize: 1 } })) });
    runner.send({ type: 'run', request: request('ok-4') });
    const busy = await runner.waitFor('failed', { jobId: 'ok-4', from });
    t.is(busy.failure.code, 'BUSY');
    t.true(busy.failure.retryable);
    runner.send({ type: 'cancel', jobId: 'slow-2' });
    t.is((await runner.waitFor('failed', { jobId: 'slow-2', from })).failure.code, 'CANCELLED');
  },
);

test.serial('the runner exits when its parent disconnects, so no orphan keeps writing', async (t) => {
  const orphan = startRunner();
  await orphan.waitFor('ready');
  orphan.child.disconnect();
  t.is(await orphan.exited, 0);
});
