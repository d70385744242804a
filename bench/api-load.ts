// `npm run bench -- api-load [--rate 500] [--seconds 60] [--connections 64] [--json]`: job submissions
// (POST /v1/jobs) at a fixed rate against the real service (a child `gpubatch up`, embedded-style Redis
// with its append-only file, compute environment DISABLED so nothing runs: service-under-test.ts), driven
// twice: by autocannon (coordinated-omission correction; its overallRate sends each second's share of a
// connection back to back, a burst at the start of every second) and by an open-loop generator with
// evenly spaced arrivals (paced-load.ts). Reports requests, errors, non-2xx and latency percentiles of
// both; the target is zero errors and p99 <= 50 ms at 500/s for 60 s.
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import { connect } from '../scheduler/store/redis.ts';
import { residentMemory } from '../test/support/process-memory.ts';
import { machineDescription } from './machine.ts';
import { type PacedLoadResult, pacedLoad } from './paced-load.ts';
import { redisCpuSeconds } from './redis-cpu.ts';
import { benchHeaders, serviceUnderTest } from './service-under-test.ts';

export interface ApiLoadOptions {
  rate: number;
  seconds: number;
  connections: number;
}

export interface ApiLoadResult {
  machine: string;
  options: ApiLoadOptions;
  requests: number;
  /** Per second over the run. */
  achievedRate: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; p99_9: number; max: number; mean: number };
  /** Jobs stored in Redis afterwards (warm-up included): every 201 must be there. */
  jobsStored: number;
  /**
   * CPU the service process and redis-server spent per request during the run: what the machine must
   * have free for the rate (on a shared machine the latencies say more about the neighbours).
   */
  cpuMsPerRequest: { service: number; redis: number };
  serviceRssMiB?: number;
  /** The same rate and duration with evenly spaced arrivals, after the autocannon run. */
  paced: PacedLoadResult;
}

const WARM_UP_SECONDS = 3;

export async function apiLoadBench(
  options: ApiLoadOptions,
  progress: (line: string) => void,
): Promise<ApiLoadResult> {
  const sut = await serviceUnderTest({ appendOnly: true });
  try {
    const request = {
      method: 'POST',
      path: '/v1/jobs',
      headers: benchHeaders(),
      body: JSON.stringify(sut.jobBody(0)),
    };
    const run = (seconds: number) =>
      autocannon({
        url: sut.url,
        connections: options.connections,
        overallRate: options.rate,
        duration: seconds,
        timeout: 10,
        requests: [request],
      });
    progress(`warm-up: ${WARM_UP_SECONDS} s at ${options.rate}/s (not counted)`);
    const warmUp = await run(WARM_UP_SECONDS);
    progress(`load: ${options.seconds} s at ${options.rate}/s over ${options.connections} connections`);
    const redis = connect(sut.redisUrl);
    const pid = sut.service.child.pid!;
    const cpuBefore = { service: await processCpuSeconds(pid), redis: await redisCpuSeconds(redis) };
    const result = await run(options.seconds);
    const cpu = {
      service: (await processCpuSeconds(pid)) - cpuBefore.service,
      redis: (await redisCpuSeconds(redis)) - cpuBefore.redis,
    };
    progress(`load: ${options.seconds} s at ${options.rate}/s, evenly spaced (open loop)`);
    const paced = await pacedLoad({
      url: sut.url,
      path: request.path,
      headers: request.headers,
      body: request.body,
      rate: options.rate,
      seconds: options.seconds,
      connections: options.connections,
    });
    const jobsStored = await redis.zcard('gpubatch:jobs:all');
    redis.disconnect();
    const memory = sut.service.child.pid ? await residentMemory(sut.service.child.pid) : undefined;
    const statusCodes = Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
    );
    progress(
      `stored ${jobsStored} jobs (warm-up ${warmUp.requests.total} + load ${result.requests.total} + paced ${paced.sent} sent)`,
    );
    return {
      machine: machineDescription(),
      options,
      requests: result.requests.total,
      achievedRate: result.requests.total / result.duration,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      statusCodes,
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        p99_9: result.latency.p99_9,
        max: result.latency.max,
        mean: result.latency.mean,
      },
      jobsStored,
      cpuMsPerRequest: {
        service: (cpu.service * 1000) / result.requests.total,
        redis: (cpu.redis * 1000) / result.requests.total,
      },
      ...(memory ? { serviceRssMiB: memory.rssMiB } : {}),
      paced,
    };
  } finally {
    await sut.stop();
  }
}

export function apiLoadTable(r: ApiLoadResult): string {
  const l = r.latencyMs;
  const p = r.paced.latencyMs;
  return [
    `API load: POST /v1/jobs, autocannon at ${r.options.rate}/s for ${r.options.seconds} s, ${r.options.connections} connections (${r.machine})`,
    `requests ${r.requests} (${r.achievedRate.toFixed(1)}/s); errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}; status ${JSON.stringify(r.statusCodes)}`,
    `latency ms: p50 ${l.p50}, p90 ${l.p90}, p99 ${l.p99}, p99.9 ${l.p99_9}, max ${l.max}, mean ${l.mean.toFixed(2)}`,
    `CPU per request: service ${r.cpuMsPerRequest.service.toFixed(2)} ms, redis-server ${r.cpuMsPerRequest.redis.toFixed(2)} ms`,
    `evenly spaced: requests ${r.paced.sent} in ${r.paced.durationSeconds.toFixed(1)} s; 2xx ${r.paced.ok}, errors ${r.paced.errors}, non-2xx ${r.paced.non2xx}; status ${JSON.stringify(r.paced.statusCodes)}`,
    `evenly spaced latency ms (from when each request was due): p50 ${p.p50}, p90 ${p.p90}, p99 ${p.p99}, p99.9 ${p.p99_9}, max ${p.max}, mean ${p.mean.toFixed(2)}`,
    `jobs stored ${r.jobsStored}${r.serviceRssMiB === undefined ? '' : `; service RSS afterwards ${r.serviceRssMiB.toFixed(0)} MiB`}`,
  ].join('\n');
}

/** utime + stime of a process (Linux /proc), in seconds. */
async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at the closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times, is 100 on every common build. */
const CLOCK_TICKS_PER_SECOND = 100;

export function apiLoadOptions(argv: readonly string[]): ApiLoadOptions {
  return {
    rate: positiveInt(argv, '--rate', 500),
    seconds: positiveInt(argv, '--seconds', 60),
    connections: positiveInt(argv, '--connections', 64),
  };
}

export function positiveInt(argv: readonly string[], flag: string, fallback: number): number {
  const at = argv.indexOf(flag);
  if (at < 0) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${flag} must be a positive integer, got "${argv[at + 1]}"`);
  return value;
}
