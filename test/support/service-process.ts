// The real service (`node cli/gpubatch.ts up`) as a child process, and the real CLI, for end-to-end tests.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestFn } from 'ava';
import type { JobRecord, JobStatus } from '../../scheduler/job-record.ts';
import { freePort } from '../../scheduler/store/free-port.ts';
import { type TestRedis, testRedis } from './redis-server.ts';

const CLI = fileURLToPath(new URL('../../cli/gpubatch.ts', import.meta.url));

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startService(options: {
  cwd: string;
  redisUrl: string;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** e.g. ['--role', 'api'] */
  args?: string[];
  /** The log line that says it is ready (default: the scheduler leads). */
  readyLine?: string;
}): Promise<ServiceProcess> {
  const port = await freePort();
  const readyLine = options.readyLine ?? 'scheduler is leader';
  const child = spawn(process.execPath, [CLI, 'up', ...(options.args ?? [])], {
    cwd: options.cwd,
    env: {
      ...process.env,
      PORT: String(port),
      REDIS_URL: options.redisUrl,
      GPUBATCH_DATA_DIR: options.dataDir,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!output.includes(readyLine)) {
    if (child.exitCode !== null) throw new Error(`service exited at start:\n${output}`);
    if (Date.now() > deadline) throw new Error(`service did not become ready in 30 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface ServiceForFile {
  /** The file's working directory: the service and the CLI run in it, the service's data is in .gpubatch. */
  readonly work: string;
  readonly redis: TestRedis;
  readonly service: ServiceProcess;
  /** Runs the real CLI in `work` against the service. */
  cli(...args: string[]): Promise<CliResult>;
}

export interface ServiceForFileOptions {
  /** Start of the working directory's name, e.g. `gpubatch-arrays-`. */
  prefix: string;
  /** Writes the inputs the tests need into the working directory, before the service starts. */
  prepare?: (work: string) => void | Promise<void>;
  /** Extra environment for the service, e.g. GPUBATCH_CONFIG. */
  env?: (work: string) => NodeJS.ProcessEnv;
  /** Redis keeps an append-only file (default false). */
  appendOnly?: boolean;
}

/**
 * For all tests of a file: a working directory, a redis-server and the real service (`gpubatch up`) in it,
 * started before the first test and stopped and removed after the last.
 */
export function serviceForFile(test: TestFn, options: ServiceForFileOptions): ServiceForFile {
  let work: string | undefined;
  let redis: TestRedis | undefined;
  let service: ServiceProcess | undefined;
  test.before(async () => {
    work = mkdtempSync(join(tmpdir(), options.prefix));
    await options.prepare?.(work);
    redis = await testRedis({ appendOnly: options.appendOnly ?? false });
    service = await startService({
      cwd: work,
      redisUrl: redis.url,
      dataDir: join(work, '.gpubatch'),
      env: options.env?.(work),
    });
  });
  test.after.always(async () => {
    await service?.stop();
    await redis?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the service is not started yet (used outside a test?)');
    return value;
  };
  const gpubatch: ServiceForFile = {
    get work() {
      return started(work);
    },
    get redis() {
      return started(redis);
    },
    get service() {
      return started(service);
    },
    cli: (...args) => runCli(args, { cwd: gpubatch.work, url: gpubatch.service.url }),
  };
  return gpubatch;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd: string; url: string }): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, GPUBATCH_URL: options.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function getJob(url: string, id: string): Promise<JobRecord> {
  const response = await fetch(`${url}/v1/jobs/${id}`);
  if (!response.ok) throw new Error(`GET job ${id}: HTTP ${response.status}`);
  return (await response.json()) as JobRecord;
}

/** Polls the API until the predicate holds (or throws after timeoutMs with the last state). */
export async function pollJob(
  url: string,
  id: string,
  predicate: (job: JobRecord) => boolean,
  timeoutMs = 60_000,
): Promise<JobRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(url, id);
    if (predicate(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} stuck at ${job.status}: ${job.statusReason}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const hasStatus = (status: JobStatus) => (job: JobRecord) => job.status === status;

export interface ServiceReply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field and checked by the tests
  body: any;
}

/** One request to the service's API, JSON in and out (the body is undefined when it is not JSON). */
export async function requestService(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ServiceReply> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** The runner processes a service (or this process) has forked, from the process table. */
export function runnerPidsOf(parentPid: number): number[] {
  try {
    return execFileSync('ps', ['--ppid', String(parentPid), '-o', 'pid=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('runner/main.ts'))
      .map((line) => Number.parseInt(line.trim(), 10));
  } catch {
    return []; // ps exits 1 when there is none
  }
}
