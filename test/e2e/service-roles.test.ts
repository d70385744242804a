// `gpubatch up --role api|scheduler`: the API and the scheduler as separate processes on one Redis, as
// the Kubernetes manifests run them. The API queues, a scheduler process runs the job; a second
// scheduler stands by and takes over when the first stops.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { createMatrix } from '../../kernels/matrix.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import { testRedis } from '../support/redis-server.ts';
import { hasStatus, pollJob, type ServiceProcess, startService } from '../support/service-process.ts';

const CLI = fileURLToPath(new URL('../../cli/gpubatch.ts', import.meta.url));

async function workspace(t: ExecutionContext) {
  const work = mkdtempSync(join(tmpdir(), 'gpubatch-roles-'));
  const redis = await testRedis();
  const started: ServiceProcess[] = [];
  t.teardown(async () => {
    await Promise.all(started.map((service) => service.stop('SIGKILL')));
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  });
  // A short leader TTL, so a standby polls the lock every second.
  writeFileSync(join(work, 'gpubatch.yaml'), 'failover: { leaderTtlSeconds: 3 }\n');
  const start = async (role: 'api' | 'scheduler', readyLine: string) => {
    const service = await startService({
      cwd: work,
      redisUrl: redis.url,
      dataDir: join(work, '.gpubatch'),
      env: { GPUBATCH_CONFIG: join(work, 'gpubatch.yaml') },
      args: ['--role', role],
      readyLine,
    });
    started.push(service);
    return service;
  };
  return { work, redis, start };
}

/** GET with the service's admin token (the scheduler port's /metrics needs one too). */
async function get(service: ServiceProcess, path: string): Promise<{ status: number; body: string }> {
  const response = await service.fetch(path);
  return { status: response.status, body: await response.text() };
}

async function submit(
  api: ServiceProcess,
  spec: object,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await api.fetch('/v1/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('an api process queues a job that a separate scheduler process runs; each port serves only its role', async (t) => {
  const { work, start } = await workspace(t);
  await writeNpy(join(work, 'in.npy'), createMatrix(4, 2, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8])));
  const scheduler = await start('scheduler', 'scheduler is leader');
  const api = await start('api', 'API listening');

  const submitted = await submit(api, {
    name: 'split-roles',
    kind: 'kernel',
    kernel: 'standardize',
    input: join(work, 'in.npy'),
    output: join(work, 'out.npy'),
    resources: { cpuMilli: 250, memoryMiB: 64 },
  });
  t.is(submitted.status, 201, JSON.stringify(submitted.body));
  // GPUBATCH_ADMIN_TOKEN (startService's default) is the admin token: no other is made, none is shown.
  t.false(existsSync(join(work, '.gpubatch', 'admin-token')));
  t.false(api.output().includes(api.token));
  t.is((await api.fetch('/v1/jobs', { headers: { authorization: 'Bearer wrong' } })).status, 401);
  t.is((await scheduler.fetch('/metrics', { headers: { authorization: 'Bearer wrong' } })).status, 401);
  const done = await pollJob(api, String(submitted.body.id), hasStatus('SUCCEEDED'), 30_000);
  t.is(done.status, 'SUCCEEDED');

  const apiReady = await get(api, '/readyz');
  t.is(apiReady.status, 200);
  t.regex(apiReady.body, /scheduler runs in its own process/);
  t.false(api.output().includes('scheduler is leader'), 'the api process does not campaign');

  const schedulerReady = await get(scheduler, '/readyz');
  t.is(schedulerReady.status, 200);
  t.regex(schedulerReady.body, /"role":"leader"/);
  t.regex((await get(scheduler, '/metrics')).body, /^gpubatch_scheduler_leader 1$/m);
  t.is((await get(scheduler, '/v1/jobs')).status, 404, 'no REST API on the scheduler port');

  // Each role exports what it sees (docs/metrics.md): the API its submissions, the leader the job's end;
  // both the job counts from Redis.
  const apiMetrics = (await get(api, '/metrics')).body;
  t.regex(apiMetrics, /^gpubatch_job_submissions_total\{queue="default"\} 1$/m);
  t.regex(apiMetrics, /^gpubatch_jobs_stored\{state="SUCCEEDED"\} 1$/m);
  t.notRegex(apiMetrics, /^gpubatch_jobs_succeeded_total\{/m, 'the api process ran no job');
  const schedulerMetrics = (await get(scheduler, '/metrics')).body;
  t.regex(schedulerMetrics, /^gpubatch_jobs_succeeded_total\{queue="default"\} 1$/m);
  t.regex(schedulerMetrics, /^gpubatch_runner_rows_total\{kind="kernel"\} 4$/m);
  t.regex(schedulerMetrics, /^gpubatch_jobs_stored\{state="SUCCEEDED"\} 1$/m);
  // Structured logs: every line of both processes is JSON, and the job's lines carry its id.
  for (const line of [...api.output().split('\n'), ...scheduler.output().split('\n')].filter(Boolean))
    t.notThrows(() => JSON.parse(line), line);
  t.regex(scheduler.output(), new RegExp(`"jobId":"${String(submitted.body.id)}"[^\n]*"status":"SUCCEEDED"`));
});

test('the api process refuses a job no node could ever hold, from the nodes the scheduler leader published', async (t) => {
  const { start } = await workspace(t);
  await start('scheduler', 'scheduler is leader');
  const api = await start('api', 'API listening');

  const refused = await submit(api, {
    name: 'too-big',
    kind: 'kernel',
    kernel: 'standardize',
    input: '/data/in.npy',
    output: '/data/out.npy',
    resources: { cpuMilli: 1_000_000, memoryMiB: 64 },
  });

  t.is(refused.status, 422);
  const errors = refused.body.errors as { field: string; message: string }[];
  t.regex(errors.find((e) => e.field === 'resources')?.message ?? '', /can never run in queue default/);
});

test('a second scheduler process stands by (ready, not leading) and leads once the first stops', async (t) => {
  const { start } = await workspace(t);
  const first = await start('scheduler', 'scheduler is leader');
  const second = await start('scheduler', 'another scheduler holds the leader lock');

  const standby = await get(second, '/readyz');
  t.is(standby.status, 200, 'a standby is Ready, or a rolling update would never finish');
  t.regex(standby.body, /"role":"standby"/);
  t.regex((await get(second, '/metrics')).body, /^gpubatch_scheduler_leader 0$/m);

  t.is(await first.stop('SIGTERM'), 0);
  const deadline = Date.now() + 10_000;
  while (!second.output().includes('scheduler is leader') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  t.regex((await get(second, '/readyz')).body, /"role":"leader"/);
});

function runUp(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'up', ...args], {
      env: { ...process.env, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

test('an unknown role, or a split role without REDIS_URL, is refused with a message naming it', async (t) => {
  const unknown = await runUp(['--role', 'worker'], {});
  t.is(unknown.code, 1);
  t.regex(
    unknown.output,
    /role \(--role or GPUBATCH_ROLE\) must be one of all, api, scheduler; got "worker"/,
  );

  const noRedis = await runUp(['--role', 'api'], { REDIS_URL: '' });
  t.is(noRedis.code, 1);
  t.regex(noRedis.output, /role api: REDIS_URL is required/);
});
