// A warm runner process keeps the sessions it loaded: the next job on the same model skips loading, and
// the result says so. A model file changed at the same path is loaded afresh.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { createMatrix } from '../../kernels/matrix.ts';
import { buildMlpModel, type MlpShape } from '../../kernels/onnx/mlp-model.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import { inferenceJobSpec } from '../support/job-specs.ts';
import { startRunner } from '../support/runner-process.ts';

const shape: MlpShape = { inputDim: 8, hiddenDims: [16], outputDim: 3, seed: 1 };

test('two jobs on one model in a warm runner: the second is a cache hit; a changed model file is a miss', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'gpubatch-model-cache-'));
  t.teardown(() => rm(cwd, { recursive: true, force: true }));
  await writeNpy(join(cwd, 'features.npy'), createMatrix(100, 8));
  await writeFile(join(cwd, 'mlp.onnx'), buildMlpModel(shape));
  const runner = startRunner();
  t.teardown(() => runner.child.kill('SIGKILL'));
  await runner.waitFor('ready');

  const run = async (jobId: string) => {
    const from = runner.messages.length;
    const spec = inferenceJobSpec({ output: `out/${jobId}.npy` });
    runner.send({ type: 'run', request: { jobId, attempt: 1, spec, cwd, gpuIndices: [] } });
    const { result } = await runner.waitFor('succeeded', { jobId, from });
    return result.details as { modelCache: string; modelLoadMs: number };
  };
  const first = await run('job-1');
  const second = await run('job-2');
  t.is(first.modelCache, 'miss');
  t.is(second.modelCache, 'hit');
  t.true(Number.isInteger(first.modelLoadMs) && Number.isInteger(second.modelLoadMs));

  await writeFile(join(cwd, 'mlp.onnx'), buildMlpModel({ ...shape, seed: 2 }));
  t.is((await run('job-3')).modelCache, 'miss', 'a changed file at the same path is loaded again');
  t.is((await run('job-4')).modelCache, 'hit');
});
