// The real service (`node cli/gpubatch.ts up`) as a child process, and the real CLI, for end-to-end tests.
// Auth is on as in production. startService gives the service TEST_ADMIN_TOKEN in GPUBATCH_ADMIN_TOKEN
// (the automation path) unless `adminToken: 'first-start'`, where the service makes its own and the
// fixture reads it from <dataDir>/admin-token as the CLI does. Call the API with `service.fetch(path)`,
// getJob(service, id) and pollJob(service, ...), which send `service.token`.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestFn } from 'ava';
import type { JobRecord, JobStatus } from '../../scheduler/job-record.ts';
import { freePort } from '../../scheduler/store/free-port.ts';
import { type TestRedis, testRedis } from './redis-server.ts';

const CLI = fileURLToPath(new URL('../../cli/gpubatch.ts', import.meta.url));

/** The admin token every service of this test process accepts (GPUBATCH_ADMIN_TOKEN). */
export const TEST_ADMIN_TOKEN = `test-admin-${randomBytes(24).toString('base64url')}`;

/** A running API and the token to call it with. */
export interface Endpoint {
  url: string;
  token: string;
}

/** fetch(url + path) with `Authorization: Bearer <token>`; init.headers may add to or override it. */
export function authedFetch(endpoint: Endpoint, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${endpoint.token}`);
  return fetch(endpoint.url + path, { ...init, headers });
}

export interface ServiceProcess extends Endpoint {
  child: ChildProcess;
  /** A request to this service with its admin token (see authedFetch). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
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
  /**
   * The admin token: default TEST_ADMIN_TOKEN given in GPUBATCH_ADMIN_TOKEN; 'first-start' lets the service
   * create one and reads it from <dataDir>/admin-token (the newcomer's path, README quick start).
   */
  adminToken?: string | 'first-start';
}): Promise<ServiceProcess> {
  const port = await freePort();
  const adminToken = options.adminToken ?? TEST_ADMIN_TOKEN;
  const tokenEnv = adminToken === 'first-start' ? {} : { GPUBATCH_ADMIN_TOKEN: adminToken };
  const readyLine = options.readyLine ?? 'scheduler is leader';
  const child = spawn(process.execPath, [CLI, 'up', ...(options.args ?? [])], {
    cwd: options.cwd,
    env: {
      ...process.env,
      PORT: String(port),
      REDIS_URL: options.redisUrl,
      GPUBATCH_DATA_DIR: options.dataDir,
      ...tokenEnv,
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
  const url = `http://127.0.0.1:${port}`;
  const token =
    adminToken === 'first-start'
      ? readFileSync(join(options.dataDir, 'admin-token'), 'utf8').trim()
      : adminToken;
  return {
    url,
    token,
    fetch: (path, init) => authedFetch({ url, token }, path, init),
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
  /**
   * Runs the real CLI in `work` against the service, with no token given: it finds the admin token the
   * service's first start wrote to work/.gpubatch/admin-token, as on a user's machine.
   */
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
 * started before the first test and stopped and removed after the last. The service makes its admin token
 * on first start (the README's path); `service.token` is that token.
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
      adminToken: 'first-start',
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

/**
 * The real CLI as a child process. With `token` it gets GPUBATCH_TOKEN; without, it finds a token as a user's
 * CLI does (for a local URL: <cwd>/.gpubatch/admin-token). Any GPUBATCH_TOKEN, GPUBATCH_DATA_DIR or CLI
 * config of the test runner's own environment is left out, so only what the test says counts.
 */
export function runCli(
  args: string[],
  options: { cwd: string; url: string; token?: string; env?: NodeJS.ProcessEnv },
): Promise<CliResult> {
  const {
    GPUBATCH_TOKEN: _token,
    GPUBATCH_DATA_DIR: _dataDir,
    GPUBATCH_CLI_CONFIG: _config,
    ...inherited
  } = process.env;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: {
        ...inherited,
        // No user config file: $XDG_CONFIG_HOME/gpubatch/config.json under the working directory is absent.
        XDG_CONFIG_HOME: options.cwd,
        GPUBATCH_URL: options.url,
        ...(options.token ? { GPUBATCH_TOKEN: options.token } : {}),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function getJob(api: Endpoint, id: string): Promise<JobRecord> {
  const response = await authedFetch(api, `/v1/jobs/${id}`);
  if (!response.ok) throw new Error(`GET job ${id}: HTTP ${response.status}`);
  return (await response.json()) as JobRecord;
}

/** Polls the API until the predicate holds (or throws after timeoutMs with the last state). */
export async function pollJob(
  api: Endpoint,
  id: string,
  predicate: (job: JobRecord) => boolean,
  timeoutMs = 60_000,
): Promise<JobRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(api, id);
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

/**
 * One request to the service's API with its token, JSON in and out (the body is undefined when it is
 * not JSON).
 */
export async function requestService(
  api: Endpoint,
  method: string,
  path: string,
  body?: unknown,
): Promise<ServiceReply> {
  const response = await authedFetch(api, path, {
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
