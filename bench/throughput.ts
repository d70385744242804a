// End-to-end throughput of the embedded service (REST submit -> BullMQ -> scheduler core -> local
// executor's warm runner processes -> SUCCEEDED) for N trivial jobs, next to raw BullMQ add -> process
// on the same Redis in the same run, so the overhead gpubatch adds is visible.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { createMatrix } from '../kernels/matrix.ts';
import { writeNpy } from '../runner/io/npy.ts';
import { loadConfig } from '../scheduler/config.ts';
import type { LocalExecutor } from '../scheduler/executors/local/local-executor.ts';
import { startServiceStack } from '../scheduler/service-stack.ts';
import { startEmbeddedRedis } from '../scheduler/store/embedded-redis.ts';
import { connect } from '../scheduler/store/redis.ts';
import { machineDescription } from './machine.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
const SUBMIT_CONCURRENCY = 32;

export interface ThroughputResult {
  jobs: number;
  rawBullmq: { seconds: number; jobsPerSecond: number; concurrency: number };
  gpubatch: {
    seconds: number;
    jobsPerSecond: number;
    succeeded: number;
    failed: number;
    jobCpuMilli: number;
    runnerProcessesStarted: number;
  };
}

export async function throughput(): Promise<ThroughputResult> {
  const work = mkdtempSync(join(tmpdir(), 'gpubatch-bench-'));
  const redis = await startEmbeddedRedis({ dir: join(work, 'redis') }); // AOF on, like the embedded default
  try {
    progress(`raw BullMQ: ${JOBS} no-op jobs`);
    const raw = await rawBullmq(redis.url);
    progress(`gpubatch end to end: ${JOBS} jobs`);
    const service = await gpubatchEndToEnd(redis.url, work);
    return { jobs: JOBS, rawBullmq: raw, gpubatch: service };
  } finally {
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function rawBullmq(redisUrl: string): Promise<ThroughputResult['rawBullmq']> {
  const concurrency = 16;
  const connection = connect(redisUrl, { forWorkers: true });
  const queue = new Queue('raw', { connection, prefix: 'bench' });
  const workerConnection = connect(redisUrl, { forWorkers: true });
  const worker = new Worker('raw', async () => 'ok', {
    connection: workerConnection,
    prefix: 'bench',
    concurrency,
    autorun: false,
  });
  let completed = 0;
  const allDone = new Promise<void>((resolve) => {
    worker.on('completed', () => {
      if (++completed === JOBS) resolve();
    });
  });
  void worker.run();
  const started = performance.now();
  await inBatches(JOBS, SUBMIT_CONCURRENCY, (i) =>
    queue.add('noop', { i }, { removeOnComplete: true, removeOnFail: true }).then(() => undefined),
  );
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  await queue.close();
  workerConnection.disconnect();
  connection.disconnect();
  return { seconds, jobsPerSecond: JOBS / seconds, concurrency };
}

async function gpubatchEndToEnd(redisUrl: string, work: string): Promise<ThroughputResult['gpubatch']> {
  const input = join(work, 'tiny.npy');
  await writeNpy(input, createMatrix(4, 2, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8])));
  mkdirSync(join(work, 'out'));
  const config = loadConfig({ ...process.env, PORT: '0' }, work);
  const stack = await startServiceStack(config, redisUrl);
  // Submissions carry a token like any client's (auth is always on).
  const { token } = await stack.tokens.create({
    role: 'submitter',
    tenant: 'bench',
    name: 'throughput bench',
  });
  const jobCpuMilli = 250;
  try {
    const started = performance.now();
    await inBatches(JOBS, SUBMIT_CONCURRENCY, async (i) => {
      const response = await fetch(`${stack.url}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          name: `tiny-${i}`,
          kind: 'kernel',
          kernel: 'standardize',
          input,
          output: join(work, 'out', `${i}.npy`),
          resources: { cpuMilli: jobCpuMilli, memoryMiB: 64 },
        }),
      });
      if (response.status !== 201)
        throw new Error(`submit ${i}: HTTP ${response.status} ${await response.text()}`);
    });
    const { succeeded, failed } = await waitForTerminal(stack.store, JOBS);
    const seconds = (performance.now() - started) / 1000;
    const runnerProcessesStarted = (stack.executor as LocalExecutor).runnerStats().started;
    return { seconds, jobsPerSecond: JOBS / seconds, succeeded, failed, jobCpuMilli, runnerProcessesStarted };
  } finally {
    await stack.stop();
  }
}

async function waitForTerminal(
  store: Awaited<ReturnType<typeof startServiceStack>>['store'],
  count: number,
): Promise<{ succeeded: number; failed: number }> {
  const deadline = Date.now() + 30 * 60_000;
  let nextReport = Date.now() + 5000;
  for (;;) {
    const succeeded = (await store.idsInStatus(['SUCCEEDED'])).length;
    const failed = (await store.idsInStatus(['FAILED'])).length;
    if (succeeded + failed >= count) return { succeeded, failed };
    if (Date.now() >= nextReport) {
      progress(`${succeeded} succeeded, ${failed} failed of ${count}`);
      nextReport = Date.now() + 5000;
    }
    if (Date.now() > deadline)
      throw new Error(`only ${succeeded + failed} of ${count} jobs finished in 30 min`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function inBatches(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

export function report(result: ThroughputResult): string {
  const rows = [
    ['what', 'jobs', 'seconds', 'jobs/s'],
    [
      `raw BullMQ add -> process (no-op, concurrency ${result.rawBullmq.concurrency})`,
      String(result.jobs),
      result.rawBullmq.seconds.toFixed(2),
      result.rawBullmq.jobsPerSecond.toFixed(1),
    ],
    [
      `gpubatch end to end (REST, local executor, standardize 4x2, cpuMilli ${result.gpubatch.jobCpuMilli})`,
      `${result.gpubatch.succeeded} ok / ${result.gpubatch.failed} failed`,
      result.gpubatch.seconds.toFixed(2),
      result.gpubatch.jobsPerSecond.toFixed(1),
    ],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  return [
    `machine: ${machineDescription()}`,
    ...lines,
    `runner processes started for ${result.jobs} jobs: ${result.gpubatch.runnerProcessesStarted}`,
  ].join('\n');
}

export function saveJson(result: ThroughputResult, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `throughput-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify({ machine: machineDescription(), ...result }, null, 2)}\n`);
  return path;
}
