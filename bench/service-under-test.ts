// The real service (`gpubatch up`, a child process) on a private redis-server, with a compute environment
// that is DISABLED: every submission goes the whole way (validation, Redis record and indexes, BullMQ,
// the leader's look-ahead workers) but nothing is placed, so what a benchmark measures is the API and
// the queue, not runners. One place for what every request must carry (credentials) and for settings
// that must not throttle a benchmark.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMatrix } from '../kernels/matrix.ts';
import { writeNpy } from '../runner/io/npy.ts';
import { startEmbeddedRedis } from '../scheduler/store/embedded-redis.ts';
import { type ServiceProcess, startService } from '../test/support/service-process.ts';

const BENCH_TOKEN = 'bench-admin-token-0123456789';

/** Headers every benchmark request carries (credentials: change them here only). */
export function benchHeaders(): Record<string, string> {
  return { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' };
}

/**
 * The service's environment beyond Redis and port. The per-token rate limit is off: the benchmark measures
 * the service, not the limiter's 429s.
 */
function serviceEnv(configPath: string): NodeJS.ProcessEnv {
  return { GPUBATCH_CONFIG: configPath, GPUBATCH_RATE_LIMIT_RPS: '0' };
}

export interface ServiceUnderTest {
  url: string;
  service: ServiceProcess;
  redisUrl: string;
  /** A valid submission body (1 GPU kernel job on the tiny input). */
  jobBody(i: number): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function serviceUnderTest(options: {
  appendOnly: boolean;
  args?: string[];
  readyLine?: string;
}): Promise<ServiceUnderTest> {
  const work = mkdtempSync(join(tmpdir(), 'gpubatch-bench-service-'));
  const redis = await startEmbeddedRedis({ dir: join(work, 'redis'), appendOnly: options.appendOnly });
  const input = join(work, 'tiny.npy');
  await writeNpy(input, createMatrix(4, 2, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8])));
  const configPath = join(work, 'gpubatch.yaml');
  writeFileSync(
    configPath,
    [
      'computeEnvironments:',
      '  - name: local',
      '    type: local',
      '    state: DISABLED',
      '    inventory: { gpus: [{ model: H100 }, { model: H100 }, { model: H100 }, { model: H100 }] }',
      'queues:',
      '  - name: default',
      '    computeEnvironment: local',
      '',
    ].join('\n'),
  );
  try {
    const service = await startService({
      cwd: work,
      redisUrl: redis.url,
      dataDir: join(work, '.gpubatch'),
      env: serviceEnv(configPath),
      // The admin token the benchmark's requests carry, given as GPUBATCH_ADMIN_TOKEN.
      adminToken: BENCH_TOKEN,
      ...(options.args ? { args: options.args } : {}),
      ...(options.readyLine ? { readyLine: options.readyLine } : {}),
    });
    return {
      url: service.url,
      service,
      redisUrl: redis.url,
      jobBody: (i) => ({
        name: `bench-${i}`,
        kind: 'kernel',
        kernel: 'standardize',
        input,
        output: join(work, 'out', `part-${i}.npy`),
        resources: { gpus: 1 },
        shareIdentifier: `team-${i % 7}`,
      }),
      stop: async () => {
        await service.stop();
        await redis.stop();
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}
