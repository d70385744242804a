// `npm run bench -- recovery [--jobs N]`: the leader's recovery pass (every 30 s, "no accepted job is ever
// lost") over N queued jobs (default 100,000) on a private redis-server: the sweep it does now (one paged read
// of BullMQ's entries, then only the jobs missing from it) against the pass it replaced (each unfinished job
// read and BullMQ asked for its state), alternated in one process. Both must find the jobs whose entries
// were removed, and nothing else.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { JobSpecSchema } from '../api/schemas/job-spec.ts';
import { recoverQueuedJobs } from '../scheduler/recovery.ts';
import { startEmbeddedRedis } from '../scheduler/store/embedded-redis.ts';
import { bullJobId, JobQueues } from '../scheduler/store/job-queues.ts';
import { JobStore } from '../scheduler/store/job-store.ts';
import { connect } from '../scheduler/store/redis.ts';
import { positiveInt } from './api-load.ts';
import { machineDescription } from './machine.ts';
import { loadQueuedJobs } from './queued-job-loader.ts';
import { redisCpuSeconds } from './redis-cpu.ts';

export interface RecoveryPassResult {
  machine: string;
  jobs: number;
  /** Entries removed before each pass: what both must find and queue again. */
  lostPerPass: number;
  sweep: PassTiming;
  perJob: PassTiming;
}

interface PassTiming {
  /** Best of the runs. */
  ms: number;
  runsMs: number[];
  /** CPU redis-server spent in the best run's pass. */
  redisCpuMs: number;
  requeued: number[];
}

const LOST_PER_PASS = 10;
const ROUNDS = 2;

export async function recoveryPassBench(
  jobs: number,
  progress: (line: string) => void,
): Promise<RecoveryPassResult> {
  const work = mkdtempSync(join(tmpdir(), 'gpubatch-bench-recovery-'));
  const server = await startEmbeddedRedis({ dir: work, appendOnly: false });
  const redis = connect(server.url);
  const queueClient = connect(server.url, { autoPipelining: false });
  const store = new JobStore(redis);
  const queues = new JobQueues(queueClient, ['default']);
  try {
    progress(`loading ${jobs} queued jobs ...`);
    const spec = (i: number) =>
      JobSpecSchema.parse({
        name: `job-${i}`,
        kind: 'kernel',
        kernel: 'standardize',
        input: 'in.npy',
        output: `out/${i}.npy`,
        resources: { gpus: 1 + (i % 4) },
      });
    await loadQueuedJobs(server.url, store, redis, jobs, spec, () => undefined);
    const ids = await store.idsInStatus(['RUNNABLE']);
    const passes = { sweep: [] as Sample[], perJob: [] as Sample[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of ['sweep', 'perJob'] as const) {
        await removeEntries(queues, ids, LOST_PER_PASS, round * 2 + (kind === 'sweep' ? 0 : 1));
        const pass =
          kind === 'sweep' ? () => recoverQueuedJobs(store, queues) : () => perJobPass(store, queues);
        const sample = await timed(redis, pass);
        progress(`  ${kind}: ${sample.ms.toFixed(0)} ms, requeued ${sample.requeued}`);
        passes[kind].push(sample);
      }
    }
    return {
      machine: machineDescription(),
      jobs,
      lostPerPass: LOST_PER_PASS,
      sweep: summary(passes.sweep),
      perJob: summary(passes.perJob),
    };
  } finally {
    await queues.close();
    queueClient.disconnect();
    redis.disconnect();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The pass before 2026-11-28 (scheduler/recovery.ts then), kept here as the baseline. */
async function perJobPass(store: JobStore, queues: JobQueues): Promise<number> {
  let requeued = 0;
  for (const id of await store.idsInStatus(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'])) {
    const record = await store.get(id);
    if (!record || !queues.has(record.spec.queue)) continue;
    if (await queues.isQueued(record)) continue;
    await queues.enqueue(record);
    requeued++;
  }
  return requeued;
}

/** Removes `count` jobs' BullMQ entries (a different slice each time), as a lost entry would be. */
async function removeEntries(queues: JobQueues, ids: string[], count: number, slice: number) {
  for (const id of ids.slice(slice * count, (slice + 1) * count))
    for (const { queue } of queues.bullQueues()) await queue.remove(bullJobId(id));
}

interface Sample {
  ms: number;
  redisCpuMs: number;
  requeued: number;
}

async function timed(redis: Redis, pass: () => Promise<number>): Promise<Sample> {
  const cpuBefore = await redisCpuMs(redis);
  const started = performance.now();
  const requeued = await pass();
  const ms = performance.now() - started;
  return { ms, redisCpuMs: (await redisCpuMs(redis)) - cpuBefore, requeued };
}

async function redisCpuMs(redis: Redis): Promise<number> {
  return (await redisCpuSeconds(redis)) * 1000;
}

function summary(samples: Sample[]): PassTiming {
  const best = samples.reduce((a, b) => (b.ms < a.ms ? b : a));
  return {
    ms: Math.round(best.ms),
    runsMs: samples.map((s) => Math.round(s.ms)),
    redisCpuMs: Math.round(best.redisCpuMs),
    requeued: samples.map((s) => s.requeued),
  };
}

export function recoveryPassTable(r: RecoveryPassResult): string {
  const line = (name: string, p: PassTiming) =>
    `${name}: best ${p.ms} ms (runs ${p.runsMs.join(', ')} ms), redis-server CPU ${p.redisCpuMs} ms, requeued ${p.requeued.join(', ')}`;
  return [
    `recovery pass over ${r.jobs} queued jobs, ${r.lostPerPass} entries removed before each pass (${r.machine})`,
    line('sweep (now)', r.sweep),
    line('per job (before)', r.perJob),
    `speed-up: ${(r.perJob.ms / r.sweep.ms).toFixed(1)}x`,
  ].join('\n');
}

export function recoveryJobs(argv: readonly string[]): number {
  return positiveInt(argv, '--jobs', 100_000);
}
