// `npm run bench -- queued-jobs [--jobs N] [--json]`: fills the queue with N (default 1,000,000) jobs that
// stay queued, loaded as a submission leaves them (record, indexes, BullMQ job, RUNNABLE; pipelined by
// queued-job-loader.ts), while the real scheduler (a child `gpubatch up --role scheduler`, compute
// environment DISABLED so nothing is placed) leads and holds them. Reports the fill time, Redis memory per
// job (INFO used_memory delta / N; target <= 2 KB) with what dominates it (MEMORY USAGE of sample keys),
// and the scheduler's resident memory (target <= 2 GB).
import type { Redis } from 'ioredis';
import { JobSpecSchema } from '../api/schemas/job-spec.ts';
import { laneOf, laneQueueName } from '../scheduler/lanes.ts';
import { bullJobId } from '../scheduler/store/job-queues.ts';
import { JobStore } from '../scheduler/store/job-store.ts';
import { BULL_PREFIX } from '../scheduler/store/keys.ts';
import { connect } from '../scheduler/store/redis.ts';
import { residentMemory } from '../test/support/process-memory.ts';
import { positiveInt } from './api-load.ts';
import { machineDescription } from './machine.ts';
import { loadQueuedJobs } from './queued-job-loader.ts';
import { serviceUnderTest } from './service-under-test.ts';

export interface QueuedJobsResult {
  machine: string;
  jobs: number;
  redisVersion: string;
  fill: { seconds: number; jobsPerSecond: number; chunk: number };
  redis: { baselineBytes: number; filledBytes: number; bytesPerJob: number; keys: number };
  /** Bytes per job of each kind of key (MEMORY USAGE of samples, collections divided by their members). */
  perJob: Record<string, number>;
  scheduler: { rssMiB: number; peakMiB: number; baselineRssMiB: number };
}

/** Jobs per pipeline. */
const CHUNK = 2_000;

export async function queuedJobsBench(
  jobs: number,
  progress: (line: string) => void,
): Promise<QueuedJobsResult> {
  const sut = await serviceUnderTest({
    appendOnly: false,
    args: ['--role', 'scheduler'],
    readyLine: 'scheduler is leader',
  });
  const redis = connect(sut.redisUrl);
  const store = new JobStore(redis);
  try {
    const pid = sut.service.child.pid!;
    const baselineBytes = await usedMemory(redis);
    const baselineRss = await residentMemory(pid);
    progress(
      `baseline: Redis ${mib(baselineBytes)}, scheduler RSS ${baselineRss?.rssMiB.toFixed(0)} MiB; submitting ${jobs} jobs ...`,
    );

    const started = performance.now();
    await loadQueuedJobs(
      sut.redisUrl,
      store,
      redis,
      jobs,
      (i) => JobSpecSchema.parse(sut.jobBody(i)),
      (done) => {
        if (done % 100_000 === 0 || done === jobs)
          progress(`  ${done} loaded (${(done / ((performance.now() - started) / 1000)).toFixed(0)}/s)`);
      },
    );
    const seconds = (performance.now() - started) / 1000;
    progress(`filled in ${seconds.toFixed(1)} s; letting the leader settle ...`);
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const filledBytes = await usedMemory(redis);
    const rss = await residentMemory(pid);
    const info = await redis.info('server');
    return {
      machine: machineDescription(),
      jobs,
      redisVersion: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      fill: { seconds, jobsPerSecond: jobs / seconds, chunk: CHUNK },
      redis: {
        baselineBytes,
        filledBytes,
        bytesPerJob: (filledBytes - baselineBytes) / jobs,
        keys: await redis.dbsize(),
      },
      perJob: await perJobBreakdown(redis, store, jobs),
      scheduler: {
        rssMiB: rss?.rssMiB ?? Number.NaN,
        peakMiB: rss?.peakMiB ?? Number.NaN,
        baselineRssMiB: baselineRss?.rssMiB ?? Number.NaN,
      },
    };
  } finally {
    redis.disconnect();
    await sut.stop();
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
}

async function memoryUsage(redis: Redis, key: string): Promise<number> {
  return Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
}

/** Where a queued job's bytes are: its record, its BullMQ job, its index entries, the rest. */
async function perJobBreakdown(redis: Redis, store: JobStore, jobs: number): Promise<Record<string, number>> {
  const k = store.keys;
  const sample = await redis.zrange(k.allJobs, '0', '99');
  let record = 0;
  let bullJob = 0;
  for (const id of sample) {
    record += await memoryUsage(redis, k.job(id));
    const stored = (await store.get(id))!;
    const lane = laneQueueName(stored.spec.queue, laneOf(stored.spec));
    bullJob += await memoryUsage(redis, `${BULL_PREFIX}:${lane}:${bullJobId(id)}`);
  }
  const perMember = async (key: string) => (await memoryUsage(redis, key)) / jobs;
  const breakdown: Record<string, number> = {
    'job record hash': record / sample.length,
    'BullMQ job hash': bullJob / sample.length,
    'all-jobs index': await perMember(k.allJobs),
    'status index (RUNNABLE)': await perMember(k.byStatus('RUNNABLE')),
    'queue index': await perMember(k.byQueue('default')),
    'estimates hash': await perMember(k.estimates),
    'events stream (capped)': await perMember(k.events),
  };
  // BullMQ's lists and sorted sets of job ids (wait, prioritized, active...), whatever their names.
  let bullIndexes = 0;
  for (const type of ['list', 'zset']) {
    let cursor = '0';
    do {
      const [nextCursor, keys] = (await redis.call(
        'SCAN',
        cursor,
        'MATCH',
        `${BULL_PREFIX}:*`,
        'COUNT',
        '100000',
        'TYPE',
        type,
      )) as [string, string[]];
      cursor = nextCursor;
      for (const key of keys) bullIndexes += await memoryUsage(redis, key);
    } while (cursor !== '0');
  }
  breakdown['BullMQ id lists and sets'] = bullIndexes / jobs;
  return breakdown;
}

export function queuedJobsTable(r: QueuedJobsResult): string {
  const parts = Object.entries(r.perJob)
    .sort((a, b) => b[1] - a[1])
    .map(([what, bytes]) => `  ${what.padEnd(28)} ${bytes.toFixed(0).padStart(6)} B`);
  return [
    `Queued jobs: ${r.jobs.toLocaleString('en')} waiting (redis ${r.redisVersion}; ${r.machine})`,
    `fill: ${r.fill.seconds.toFixed(1)} s (${r.fill.jobsPerSecond.toFixed(0)} jobs/s, pipelines of ${r.fill.chunk} jobs: the job service's own store calls and BullMQ adds)`,
    `Redis: ${mib(r.redis.baselineBytes)} -> ${mib(r.redis.filledBytes)}, ${r.redis.bytesPerJob.toFixed(0)} B per job (target <= 2048), ${r.redis.keys} keys`,
    'per job, by kind of key:',
    ...parts,
    `scheduler (leader) RSS: ${r.scheduler.baselineRssMiB.toFixed(0)} MiB before, ${r.scheduler.rssMiB.toFixed(0)} MiB holding them, peak ${r.scheduler.peakMiB.toFixed(0)} MiB (target <= 2048)`,
  ].join('\n');
}

export function queuedJobsCount(argv: readonly string[]): number {
  return positiveInt(argv, '--jobs', 1_000_000);
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
