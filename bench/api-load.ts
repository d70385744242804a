// `npm run bench -- api-load [--rate 500] [--seconds 60] [--connections 64] [--json]`: job submissions
// (POST /v1/jobs) at a fixed rate against the real service (a child `gpubatch up`, embedded-style Redis
// with its append-only file, compute environment DISABLED so nothing runs: service-under-test.ts), driven
// by autocannon with coordinated-omission correction. Reports requests, errors, non-2xx and latency
// percentiles; the target is zero errors and p99 <= 50 ms at 500/s for 60 s.
import autocannon from 'autocannon';
import { connect } from '../scheduler/store/redis.ts';
import { residentMemory } from '../test/support/process-memory.ts';
import { machineDescription } from './machine.ts';
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
  serviceRssMiB?: number;
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
    const result = await run(options.seconds);
    const redis = connect(sut.redisUrl);
    const jobsStored = await redis.zcard('gpubatch:jobs:all');
    redis.disconnect();
    const memory = sut.service.child.pid ? await residentMemory(sut.service.child.pid) : undefined;
    const statusCodes = Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
    );
    progress(
      `stored ${jobsStored} jobs (warm-up ${warmUp.requests.total} + load ${result.requests.total} sent)`,
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
      ...(memory ? { serviceRssMiB: memory.rssMiB } : {}),
    };
  } finally {
    await sut.stop();
  }
}

export function apiLoadTable(r: ApiLoadResult): string {
  const l = r.latencyMs;
  return [
    `API load: POST /v1/jobs at ${r.options.rate}/s for ${r.options.seconds} s, ${r.options.connections} connections (${r.machine})`,
    `requests ${r.requests} (${r.achievedRate.toFixed(1)}/s); errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}; status ${JSON.stringify(r.statusCodes)}`,
    `latency ms: p50 ${l.p50}, p90 ${l.p90}, p99 ${l.p99}, p99.9 ${l.p99_9}, max ${l.max}, mean ${l.mean.toFixed(2)}`,
    `jobs stored ${r.jobsStored}${r.serviceRssMiB === undefined ? '' : `; service RSS afterwards ${r.serviceRssMiB.toFixed(0)} MiB`}`,
  ].join('\n');
}

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
