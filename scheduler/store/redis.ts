// The one place that decides which Redis the service uses and opens connections to it.
//   1. REDIS_URL when set (it must answer);
//   2. else 127.0.0.1:6379 when something answers there;
//   3. else an embedded redis-server (AOF on) with its data under <dataDir>/redis.
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { type EmbeddedRedis, pings, startEmbeddedRedis } from './embedded-redis.ts';
import { RedisConfigError, RedisUnavailableError } from './errors.ts';

export const DEFAULT_LOCAL_REDIS = 'redis://127.0.0.1:6379';

export interface ResolvedRedis {
  url: string;
  /** How it was found, for the start-up log. */
  source: 'REDIS_URL' | 'local' | 'embedded';
  embedded?: EmbeddedRedis;
}

export interface ResolveRedisOptions {
  redisUrl?: string;
  dataDir: string;
  /** Where to look for an already-running Redis (tests point it at a closed port). */
  localUrl?: string;
}

export async function resolveRedis(options: ResolveRedisOptions): Promise<ResolvedRedis> {
  if (options.redisUrl) {
    if (!(await pings(options.redisUrl, 2000))) {
      throw new RedisUnavailableError(
        `REDIS_URL=${redactUrl(options.redisUrl)} does not answer; start that Redis or unset REDIS_URL to use the embedded one`,
      );
    }
    return { url: options.redisUrl, source: 'REDIS_URL' };
  }
  const localUrl = options.localUrl ?? DEFAULT_LOCAL_REDIS;
  if (await pings(localUrl)) return { url: localUrl, source: 'local' };
  const embedded = await startEmbeddedRedis({ dir: join(options.dataDir, 'redis') }).catch((error: Error) => {
    throw new RedisUnavailableError(
      `no Redis configured (REDIS_URL), none on 127.0.0.1:6379, and the embedded one failed: ${error.message}`,
    );
  });
  return { url: embedded.url, source: 'embedded', embedded };
}

export interface ConnectOptions {
  /** Blocking BullMQ connections: wait forever for Redis instead of failing. */
  forWorkers?: boolean;
  name?: string;
  /**
   * Fail a command with no reply within this time (Redis stopped, unreachable, or down and the command
   * queued until it returns), so a request is answered 503 instead of hanging. Not for blocking commands.
   */
  commandTimeoutMs?: number;
}

/** A client for commands and Lua; `forWorkers` makes blocking BullMQ connections wait forever instead of failing. */
export function connect(url: string, options: ConnectOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    connectionName: options.name,
    ...(options.commandTimeoutMs && !options.forWorkers ? { commandTimeout: options.commandTimeoutMs } : {}),
    maxRetriesPerRequest: options.forWorkers ? null : 20,
    enableReadyCheck: true,
    // Commands issued in the same tick go out in one write: many small writes cost more than Redis does.
    enableAutoPipelining: !options.forWorkers,
  };
  return new Redis(url, redisOptions);
}

/** Refuses a Redis that may evict keys: an evicted job record is a lost job. */
export async function assertNoEviction(client: Redis): Promise<void> {
  const policy = await maxmemoryPolicy(client);
  if (policy !== 'noeviction') {
    throw new RedisConfigError(
      `Redis maxmemory-policy is "${policy}"; gpubatch needs "noeviction" so accepted jobs are never evicted ` +
        '(run: redis-cli CONFIG SET maxmemory-policy noeviction, and set it in redis.conf)',
    );
  }
}

async function maxmemoryPolicy(client: Redis): Promise<string> {
  try {
    const reply = (await client.config('GET', 'maxmemory-policy')) as string[];
    if (reply[1]) return reply[1];
  } catch {
    // CONFIG is often disabled on managed Redis; INFO still tells.
  }
  const info = await client.info('memory');
  const match = /^maxmemory_policy:(\S+)/m.exec(info);
  return match?.[1] ?? 'unknown';
}

/** The URL with its credentials replaced by ***, for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
