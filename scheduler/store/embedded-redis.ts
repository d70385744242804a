// A redis-server child process with AOF on: the embedded default when no Redis is configured or running.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { RedisUnavailableError } from './errors.ts';
import { freePort } from './free-port.ts';
import { redisTlsOptions } from './redis-tls.ts';

export interface EmbeddedRedis {
  url: string;
  port: number;
  dir: string;
  /** The redis-server process id (tests pause it with SIGSTOP to make Redis unreachable). */
  pid: number;
  /** Stops the server (SHUTDOWN, so AOF is flushed), resolving when the process has exited. */
  stop(): Promise<void>;
  /** Kills the process without a clean shutdown (tests use it to simulate a crash). */
  kill(): Promise<void>;
}

export interface EmbeddedRedisOptions {
  dir: string;
  port?: number;
  /** Append-only file on (default) so accepted jobs survive a restart of the server. */
  appendOnly?: boolean;
  /**
   * When the AOF is fsynced: `everysec` (default) can lose up to about a second of acknowledged writes
   * if the machine (not just Redis) crashes; `always` loses none, at one fsync per write (docs/operations.md).
   */
  appendFsync?: 'always' | 'everysec';
  binary?: string;
}

export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const { dir, appendOnly = true, appendFsync = 'everysec', binary = 'redis-server' } = options;
  mkdirSync(dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    appendOnly ? 'yes' : 'no',
    '--appendfsync',
    appendFsync,
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
    // A job record (about 1 KB of JSON) and BullMQ's job hash stay compact listpacks, not hash tables:
    // 825 B less per queued job, 2,796 -> 1,971 B (bench/queued-jobs.ts, docs/architecture.md#load-and-memory).
    '--hash-max-listpack-value',
    '4096',
    '--protected-mode',
    'yes',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = await new Promise<Error | undefined>((resolve) => {
    child.once('error', resolve);
    child.once('spawn', () => resolve(undefined));
  });
  if (spawnError) {
    throw new RedisUnavailableError(
      `could not start redis-server (${spawnError.message}); install it (apt-get install redis-server) or set REDIS_URL`,
    );
  }
  const url = `redis://127.0.0.1:${port}`;
  await waitUntilAnswering(url, child, () => stderr);
  return {
    url,
    port,
    dir,
    pid: child.pid!,
    stop: () => stopGracefully(url, child, exited),
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function waitUntilAnswering(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new RedisUnavailableError(
        `redis-server exited at start (code ${child.exitCode}): ${stderr().trim()}`,
      );
    }
    if (await pings(url)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new RedisUnavailableError(`redis-server did not answer on ${url} within 10 s`);
}

async function stopGracefully(url: string, child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null) return;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    await client.call('SHUTDOWN').catch(() => undefined); // the connection drops as the server exits
  } catch {
    child.kill('SIGTERM');
  } finally {
    client.disconnect();
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** True when a Redis server answers PING at url within a short time. */
export async function pings(url: string, timeoutMs = 500): Promise<boolean> {
  return (await probeRedis(url, timeoutMs)).ok;
}

/**
 * Whether a Redis server answers PING at url, and if not why (refused, wrong password, TLS...). The
 * reason is the client's error message, which names no credentials.
 */
export async function probeRedis(
  url: string,
  timeoutMs = 500,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const client = new Redis(url, {
    ...redisTlsOptions(url),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await client.connect();
    const reply = await client.ping();
    return reply === 'PONG' ? { ok: true } : { ok: false, reason: `PING answered ${reply}` };
  } catch (error) {
    return { ok: false, reason: (lastError ?? (error as Error)).message };
  } finally {
    client.disconnect();
  }
}
