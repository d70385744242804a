// The service stopped mid-run, gracefully (SIGTERM) or not (SIGKILL), then started again: the job is
// never lost and reaches SUCCEEDED exactly once, with a correct output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { EXAMPLE_MLP, exampleFeatures } from '../../examples/prepare.ts';
import type { Matrix } from '../../kernels/matrix.ts';
import { buildMlpModel, mlpReference, mlpWeights } from '../../kernels/onnx/mlp-model.ts';
import { readNpy, writeNpy } from '../../runner/io/npy.ts';
import { firstMismatch } from '../support/float-comparison.ts';
import { testRedis } from '../support/redis-server.ts';
import { hasStatus, pollJob, type ServiceProcess, startService } from '../support/service-process.ts';

const ROWS = 200_000;

/** batchSize 1 makes the job slow enough (several seconds) to be caught mid-run. */
const slowJob = {
  name: 'long-inference',
  kind: 'inference',
  model: 'mlp.onnx',
  input: 'features.npy',
  output: 'out/probabilities.npy',
  params: { batchSize: 1 },
};

interface Workspace {
  work: string;
  features: Matrix;
  serviceOptions: Parameters<typeof startService>[0];
}

async function workspace(t: ExecutionContext, configYaml?: string): Promise<Workspace> {
  const work = mkdtempSync(join(tmpdir(), 'gpubatch-restart-'));
  const redis = await testRedis({ appendOnly: true });
  t.teardown(async () => {
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  });
  writeFileSync(join(work, 'mlp.onnx'), buildMlpModel(EXAMPLE_MLP));
  const features = exampleFeatures({ rows: ROWS, cols: 8, seed: 5 });
  await writeNpy(join(work, 'features.npy'), features);
  const env: NodeJS.ProcessEnv = {};
  if (configYaml) {
    env.GPUBATCH_CONFIG = join(work, 'gpubatch.yaml');
    writeFileSync(env.GPUBATCH_CONFIG, configYaml);
  }
  return {
    work,
    features,
    serviceOptions: { cwd: work, redisUrl: redis.url, dataDir: join(work, '.gpubatch'), env },
  };
}

async function submitRunning(service: ServiceProcess): Promise<string> {
  const response = await service.fetch(`/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(slowJob),
  });
  if (response.status !== 201) throw new Error(`submit: HTTP ${response.status} ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  await pollJob(service, id, (job) => job.status === 'RUNNING' && (job.progress?.done ?? 0) > 0);
  return id;
}

async function outputMismatch({ work, features }: Workspace): Promise<string | undefined> {
  const output = await readNpy(join(work, 'out/probabilities.npy'));
  if (output.rows !== ROWS) return `${output.rows} rows, expected ${ROWS}`;
  const head = { rows: 50, cols: 8, data: features.data.subarray(0, 50 * 8) };
  return firstMismatch(output.data.subarray(0, 50 * 3), mlpReference(mlpWeights(EXAMPLE_MLP), head));
}

test('a job running during SIGTERM goes back to RUNNABLE and SUCCEEDS once after the restart', async (t) => {
  const space = await workspace(t);
  let service = await startService(space.serviceOptions);
  t.teardown(() => service.stop('SIGKILL'));
  const id = await submitRunning(service);

  t.is(await service.stop('SIGTERM'), 0, 'a clean exit on SIGTERM');
  t.regex(service.output(), /SIGTERM: shutting down/);

  service = await startService(space.serviceOptions);
  const done = await pollJob(service, id, hasStatus('SUCCEEDED'), 120_000);
  t.deepEqual(
    done.attempts.map((a) => a.outcome),
    ['interrupted', 'succeeded'],
  );
  t.is(done.events.filter((e) => e.status === 'SUCCEEDED').length, 1, 'reported SUCCEEDED once');
  t.true(done.events.some((e) => e.status === 'RUNNABLE' && /interrupted/.test(e.reason)));
  t.is(await outputMismatch(space), undefined);
});

test('a service killed with SIGKILL mid-run: the attempt is recorded lost and the job SUCCEEDS after a restart', async (t) => {
  // Short failover times so the dead scheduler's leader lock and job locks lapse within seconds.
  const space = await workspace(t, 'failover: { leaderTtlSeconds: 2, attemptLockSeconds: 2 }\n');
  let service = await startService(space.serviceOptions);
  t.teardown(() => service.stop('SIGKILL'));
  const id = await submitRunning(service);

  await service.stop('SIGKILL');

  service = await startService(space.serviceOptions);
  const done = await pollJob(service, id, hasStatus('SUCCEEDED'), 120_000);
  t.deepEqual(
    done.attempts.map((a) => a.outcome),
    ['lost', 'succeeded'],
  );
  t.is(done.events.filter((e) => e.status === 'SUCCEEDED').length, 1, 'reported SUCCEEDED once');
  t.is(await outputMismatch(space), undefined);
});
