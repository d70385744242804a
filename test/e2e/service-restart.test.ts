// SIGTERM while a job runs, then start again: the job is never lost and reaches SUCCEEDED exactly once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { EXAMPLE_MLP, exampleFeatures } from '../../examples/prepare.ts';
import { buildMlpModel, mlpReference, mlpWeights } from '../../kernels/onnx/mlp-model.ts';
import { readNpy, writeNpy } from '../../runner/io/npy.ts';
import { firstMismatch } from '../support/float-comparison.ts';
import { testRedis } from '../support/redis-server.ts';
import { hasStatus, pollJob, startService } from '../support/service-process.ts';

const ROWS = 200_000;

test('a job running during SIGTERM goes back to RUNNABLE and SUCCEEDS once after the restart', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'gpubatch-restart-'));
  const redis = await testRedis({ appendOnly: true });
  t.teardown(async () => {
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  });
  writeFileSync(join(work, 'mlp.onnx'), buildMlpModel(EXAMPLE_MLP));
  const features = exampleFeatures({ rows: ROWS, cols: 8, seed: 5 });
  await writeNpy(join(work, 'features.npy'), features);
  const serviceOptions = { cwd: work, redisUrl: redis.url, dataDir: join(work, '.gpubatch') };

  let service = await startService(serviceOptions);
  t.teardown(() => service.stop('SIGKILL'));
  const response = await fetch(`${service.url}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // batchSize 1 makes the job slow enough (several seconds) to be caught mid-run.
    body: JSON.stringify({
      name: 'long-inference',
      kind: 'inference',
      model: 'mlp.onnx',
      input: 'features.npy',
      output: 'out/probabilities.npy',
      params: { batchSize: 1 },
    }),
  });
  t.is(response.status, 201);
  const { id } = (await response.json()) as { id: string };
  await pollJob(service.url, id, (job) => job.status === 'RUNNING' && (job.progress?.done ?? 0) > 0);

  t.is(await service.stop('SIGTERM'), 0, 'a clean exit on SIGTERM');
  t.regex(service.output(), /SIGTERM: shutting down/);

  service = await startService(serviceOptions);
  const done = await pollJob(service.url, id, hasStatus('SUCCEEDED'), 120_000);
  t.deepEqual(
    done.attempts.map((a) => a.outcome),
    ['interrupted', 'succeeded'],
  );
  t.is(done.events.filter((e) => e.status === 'SUCCEEDED').length, 1, 'reported SUCCEEDED once');
  t.true(done.events.some((e) => e.status === 'RUNNABLE' && /interrupted/.test(e.reason)));

  const output = await readNpy(join(work, 'out/probabilities.npy'));
  t.is(output.rows, ROWS);
  const head = { rows: 50, cols: 8, data: features.data.subarray(0, 50 * 8) };
  t.is(
    firstMismatch(output.data.subarray(0, 50 * 3), mlpReference(mlpWeights(EXAMPLE_MLP), head)),
    undefined,
  );
});
