// SIGTERM to a runner process (preemption, node drain): the running inference attempt stops after its
// batch, reports `interrupted` with the checkpoint, and the process exits with EXIT_INTERRUPTED.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { createMatrix } from '../../kernels/matrix.ts';
import { buildMlpModel } from '../../kernels/onnx/mlp-model.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import { EXIT_INTERRUPTED } from '../../runner/protocol.ts';
import { inferenceJobSpec } from '../support/job-specs.ts';
import { startRunner } from '../support/runner-process.ts';

test('SIGTERM mid-attempt: interrupted with a checkpoint, then exit code 75', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'gpubatch-runner-sigterm-'));
  t.teardown(() => rm(cwd, { recursive: true, force: true }));
  await writeNpy(join(cwd, 'features.npy'), createMatrix(200_000, 8));
  await writeFile(
    join(cwd, 'mlp.onnx'),
    buildMlpModel({ inputDim: 8, hiddenDims: [4], outputDim: 3, seed: 1 }),
  );
  const runner = startRunner();
  t.teardown(() => runner.child.kill('SIGKILL'));
  await runner.waitFor('ready');
  const spec = inferenceJobSpec({ output: 'out/p.npy', params: { batchSize: 1 } });
  runner.send({ type: 'run', request: { jobId: 'job-1', attempt: 1, spec, cwd, gpuIndices: [] } });
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (runner.messages.some((m) => m.type === 'progress' && m.progress.done > 0)) {
        clearInterval(check);
        resolve();
      }
    }, 20);
  });
  runner.child.kill('SIGTERM');
  const interrupted = await runner.waitFor('interrupted', { jobId: 'job-1' });
  t.is(await runner.exited, EXIT_INTERRUPTED);
  t.is(EXIT_INTERRUPTED, 75);
  const nextRow = interrupted.checkpoint?.nextRow ?? 0;
  t.true(nextRow > 0 && nextRow < 200_000, `stopped at row ${nextRow}`);
  t.deepEqual(
    interrupted.checkpoint && { start: interrupted.checkpoint.start, end: interrupted.checkpoint.end },
    {
      start: 0,
      end: 200_000,
    },
  );
  // The output is not committed; the checkpoint and the work file wait for the next attempt.
  const left = await readdir(join(cwd, 'out'));
  t.deepEqual(left.sort(), ['.p.npy.job-1.checkpoint.json', '.p.npy.job-1.partial']);
});
