// Streaming memory bound through the real service: an inference job submitted over REST reads a .npy
// larger than 512 MiB, and the runner process the service forks for it stays under 512 MiB resident the
// whole time (input size > bound > runner's peak), sampled from /proc while the job runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { buildMlpModel } from '../../kernels/onnx/mlp-model.ts';
import { inspectNpy } from '../../runner/io/npy.ts';
import { writeLargeNpy } from '../support/npy-fixtures.ts';
import { childPids, commandLine, residentMemory } from '../support/process-memory.ts';
import { testRedis } from '../support/redis-server.ts';
import { pollJob, startService } from '../support/service-process.ts';

const COLS = 256;
/** 589,824 rows x 256 float32 = 576 MiB, over the bound. */
const ROWS = 576 * 1024;
const BOUND_MIB = 512;
/** 64 KiB per batch: thousands of batches, so the job runs long enough to be watched. */
const BATCH = 64;
const SAMPLE_EVERY_MS = 100;

const isRunner = async (pid: number) => (await commandLine(pid)).includes('runner/main.ts');

/** Samples the resident memory of the service's runner children until stopped; the peak per runner. */
function sampleRunners(servicePid: number) {
  const peaks = new Map<number, { sampledRssMiB: number; peakMiB: number; samples: number }>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const pid of await childPids(servicePid)) {
        if (!(await isRunner(pid))) continue;
        const memory = await residentMemory(pid);
        if (!memory) continue;
        const seen = peaks.get(pid) ?? { sampledRssMiB: 0, peakMiB: 0, samples: 0 };
        peaks.set(pid, {
          sampledRssMiB: Math.max(seen.sampledRssMiB, memory.rssMiB),
          peakMiB: Math.max(seen.peakMiB, memory.peakMiB),
          samples: seen.samples + 1,
        });
      }
      await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
    }
  })();
  return {
    peaks,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

test(`a ${(ROWS * COLS * 4) / 2 ** 20} MiB .npy inferred through the service keeps its runner under ${BOUND_MIB} MiB resident`, async (t) => {
  t.timeout(180_000);
  const work = mkdtempSync(join(tmpdir(), 'gpubatch-streaming-'));
  const redis = await testRedis();
  // ava runs teardowns last-registered first: the service stops before redis and the files go.
  t.teardown(async () => {
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  });
  writeFileSync(
    join(work, 'mlp.onnx'),
    buildMlpModel({ inputDim: COLS, hiddenDims: [8], outputDim: 4, seed: 2 }),
  );
  const inputBytes = await writeLargeNpy(join(work, 'large.npy'), ROWS, COLS);
  const inputMiB = inputBytes / 2 ** 20;

  const service = await startService({ cwd: work, redisUrl: redis.url, dataDir: join(work, '.gpubatch') });
  const servicePid = service.child.pid!;
  const sampler = sampleRunners(servicePid);
  t.teardown(async () => {
    await sampler.stop();
    const survivors = (await childPids(servicePid)).filter((pid) => sampler.peaks.has(pid));
    await service.stop('SIGTERM');
    // The runner exits when its IPC channel closes; make sure, without touching anything else.
    for (const pid of survivors) if (await isRunner(pid)) process.kill(pid, 'SIGKILL');
  });

  const startedAt = Date.now();
  const response = await service.fetch(`/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'streamed',
      kind: 'inference',
      model: 'mlp.onnx',
      input: 'large.npy',
      output: 'out/p.npy',
      params: { batchSize: BATCH },
    }),
  });
  t.is(response.status, 201, await response.clone().text());
  const { id } = (await response.json()) as { id: string };
  const done = await pollJob(
    service,
    id,
    (job) => job.status === 'SUCCEEDED' || job.status === 'FAILED',
    150_000,
  );
  const durationMs = Date.now() - startedAt;
  // The runner stays warm after the job, so its VmHWM now is its peak over the whole job.
  for (const pid of sampler.peaks.keys()) {
    const memory = await residentMemory(pid);
    const seen = sampler.peaks.get(pid)!;
    if (memory) seen.peakMiB = Math.max(seen.peakMiB, memory.peakMiB);
  }
  await sampler.stop();

  t.is(done.status, 'SUCCEEDED', `${done.statusReason}`);
  t.is(done.attempts.length, 1);
  t.is(done.result?.rows, ROWS);
  t.deepEqual((await inspectNpy(join(work, 'out', 'p.npy'))).shape, [ROWS, 4]);

  const runners = [...sampler.peaks.entries()];
  t.is(runners.length, 1, 'exactly one runner process ran the job');
  const [pid, memory] = runners[0]!;
  const reportedMiB = Number(done.result?.details?.peakRssMiB);
  t.log(
    `input ${inputMiB.toFixed(0)} MiB (${ROWS} x ${COLS} float32, batch ${BATCH}): runner ${pid} peak RSS ` +
      `${memory.peakMiB.toFixed(0)} MiB (VmHWM), highest sampled VmRSS ${memory.sampledRssMiB.toFixed(0)} MiB ` +
      `over ${memory.samples} samples, runner's own report ${reportedMiB} MiB; submit to SUCCEEDED ${durationMs} ms, ` +
      `job ${done.result?.details?.durationMs} ms`,
  );
  // Enough samples that the job ran while watched, not a runner seen only once it was done.
  t.true(memory.samples >= 3, `${memory.samples} samples`);
  t.true(inputMiB > BOUND_MIB, `input ${inputMiB} MiB is not over the bound`);
  t.true(memory.peakMiB < BOUND_MIB, `runner peak RSS ${memory.peakMiB} MiB`);
  t.true(reportedMiB < BOUND_MIB, `runner reported peak RSS ${reportedMiB} MiB`);
});
