// `npm run bench -- retention [--jobs N] [--json]`: loads N finished jobs (default 1,000,000) into a
// private redis-server through the store's own scripts, expires them with the leader's sweep, and reports
// Redis memory before, at the peak and after, the sweep's time and its longest batch (how long Redis is
// busy at once). Survivors (unfinished and recently finished jobs) stay, as in a real deployment.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { JobSpecSchema } from '../api/schemas/job-spec.ts';
import { JOB_STATUSES } from '../scheduler/job-record.ts';
import { sweepExpiredJobs } from '../scheduler/retention-sweep.ts';
import { DEFAULT_RETENTION } from '../scheduler/service.ts';
import { startEmbeddedRedis } from '../scheduler/store/embedded-redis.ts';
import { JobStore } from '../scheduler/store/job-store.ts';
import { connect } from '../scheduler/store/redis.ts';
import { loadFinishedJobs } from './finished-jobs.ts';

export interface RetentionResult {
  jobs: number;
  survivors: number;
  batchSize: number;
  redisVersion: string;
  memory: { baseline: number; peak: number; after: number; afterIndexTables: number };
  keys: { baseline: number; peak: number; after: number };
  indexMembers: { baseline: number; peak: number; after: number };
  loadSeconds: number;
  sweep: { seconds: number; batches: number; longestBatchMs: number; expired: number };
}

const QUEUES = ['default', 'gpu', 'batch'];

export async function retentionBench(
  jobs: number,
  progress: (line: string) => void,
): Promise<RetentionResult> {
  const dir = mkdtempSync(join(tmpdir(), 'gpubatch-retention-'));
  const server = await startEmbeddedRedis({ dir, appendOnly: false });
  const redis = connect(server.url);
  try {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const store = new JobStore(redis, { now: () => clock.now });
    const survivors = 1_000;
    for (let i = 0; i < survivors; i++)
      await store.create(
        JobSpecSchema.parse({
          name: `waiting-${i}`,
          queue: QUEUES[i % 3],
          kind: 'kernel',
          kernel: 'standardize',
          input: 'in.npy',
          output: 'out.npy',
        }),
      );
    await loadFinishedJobs(redis, store, { count: survivors, queues: QUEUES });
    const baseline = await measure(redis, store);
    progress(`baseline: ${mib(baseline.memory)}, ${baseline.keys} keys; loading ${jobs} finished jobs ...`);

    clock.now -= 2 * DEFAULT_RETENTION.finishedJobMs; // they finished two retention periods ago
    const loadStart = performance.now();
    const step = 100_000;
    for (let done = 0; done < jobs; done += step) {
      const count = Math.min(step, jobs - done);
      await loadFinishedJobs(redis, store, {
        count,
        queues: QUEUES,
        idempotencyKey: (i) => `bulk-${done + i}`,
      });
      progress(`  loaded ${done + count}`);
    }
    const loadSeconds = (performance.now() - loadStart) / 1000;
    clock.now += 2 * DEFAULT_RETENTION.finishedJobMs;
    const peak = await measure(redis, store);
    progress(
      `peak: ${mib(peak.memory)}, ${peak.keys} keys (loaded in ${loadSeconds.toFixed(1)} s); sweeping ...`,
    );

    let batches = 0;
    let longestBatchMs = 0;
    const timedStore = {
      expireFinished: async (cutoff: number, limit: number) => {
        const start = performance.now();
        const handled = await store.expireFinished(cutoff, limit);
        longestBatchMs = Math.max(longestBatchMs, performance.now() - start);
        batches++;
        return handled;
      },
    };
    const sweepStart = performance.now();
    const expired = await sweepExpiredJobs({
      store: timedStore,
      now: () => clock.now,
      retentionMs: DEFAULT_RETENTION.finishedJobMs,
      batchSize: DEFAULT_RETENTION.batchSize,
    });
    const sweepSeconds = (performance.now() - sweepStart) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // Redis shrinks its key table in its cron
    const after = await measure(redis, store);
    const info = await redis.info('server');
    return {
      jobs,
      survivors: 2 * survivors,
      batchSize: DEFAULT_RETENTION.batchSize,
      redisVersion: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      memory: {
        baseline: baseline.memory,
        peak: peak.memory,
        after: after.memory,
        afterIndexTables: after.indexBytes - baseline.indexBytes,
      },
      keys: { baseline: baseline.keys, peak: peak.keys, after: after.keys },
      indexMembers: { baseline: baseline.members, peak: peak.members, after: after.members },
      loadSeconds,
      sweep: { seconds: sweepSeconds, batches, longestBatchMs, expired },
    };
  } finally {
    redis.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(redis: Redis, store: JobStore) {
  const k = store.keys;
  const sets = [
    k.allJobs,
    k.finishedJobs,
    ...JOB_STATUSES.map((s) => k.byStatus(s)),
    ...QUEUES.map((q) => k.byQueue(q)),
  ];
  let members = 0;
  let indexBytes = 0;
  for (const key of sets) {
    members += await redis.zcard(key);
    indexBytes += Number((await redis.call('MEMORY', 'USAGE', key)) ?? 0);
  }
  const info = await redis.info('memory');
  return {
    memory: Number(/used_memory:(\d+)/.exec(info)![1]),
    keys: await redis.dbsize(),
    members,
    indexBytes,
  };
}

export function retentionTable(r: RetentionResult): string {
  const rows = [
    ['', 'baseline', `with ${r.jobs.toLocaleString('en')} finished`, 'after the sweep'],
    ['used_memory', mib(r.memory.baseline), mib(r.memory.peak), mib(r.memory.after)],
    ['keys (DBSIZE)', String(r.keys.baseline), String(r.keys.peak), String(r.keys.after)],
    [
      'index members',
      String(r.indexMembers.baseline),
      String(r.indexMembers.peak),
      String(r.indexMembers.after),
    ],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
  return [
    `Retention: ${r.jobs.toLocaleString('en')} finished jobs expired (redis ${r.redisVersion}, ${r.survivors} surviving jobs)`,
    ...lines,
    `after - baseline: ${mib(r.memory.after - r.memory.baseline)}, of which index hash tables not yet shrunk: ${mib(r.memory.afterIndexTables)}`,
    `load: ${r.loadSeconds.toFixed(1)} s; sweep: ${r.sweep.seconds.toFixed(1)} s in ${r.sweep.batches} batches of ${r.batchSize} (${Math.round(r.sweep.expired / r.sweep.seconds).toLocaleString('en')} jobs/s), longest batch ${r.sweep.longestBatchMs.toFixed(1)} ms`,
  ].join('\n');
}

const DEFAULT_JOBS = 1_000_000;

export function retentionJobs(argv: readonly string[]): number {
  const at = argv.indexOf('--jobs');
  if (at < 0) return DEFAULT_JOBS;
  const jobs = Number(argv[at + 1]);
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new Error(`--jobs must be a positive integer, got "${argv[at + 1]}"`);
  return jobs;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
