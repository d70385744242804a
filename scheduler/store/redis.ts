// The one place that decides which Redis the service uses and opens connections to it.
//   1. REDIS_URL when set (it must answer);
//   2. else 127.0.0.1:6379 when something answers there;
//   3. else an embedded redis-server (AOF on) with its data under <dataDir>/redis.
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { type EmbeddedRedis, pings, probeRedis, startEmbeddedRedis } from './embedded-redis.ts';
import { RedisConfigError, RedisUnavailableError } from './errors.ts';
import { REDIS_CA_FILE_ENV, redisTlsOptions } from './redis-tls.ts';

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
    const probe = await probeRedis(options.redisUrl, 2000);
    if (!probe.ok) throw new RedisUnavailableError(unreachableMessage(options.redisUrl, probe.reason));
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

/** Why REDIS_URL cannot be used, with a hint for the usual causes; never the password. */
function unreachableMessage(url: string, reason: string): string {
  const safeReason = maskPassword(reason, url);
  const hint = /WRONGPASS|NOAUTH|invalid password|NOPERM/i.test(reason)
    ? 'Redis refused the credentials: check the user and password in REDIS_URL (redis://user:password@host:port)'
    : /certificate|self[- ]signed|SSL|TLS|EPROTO/i.test(reason)
      ? `the TLS handshake failed: for a private CA set ${REDIS_CA_FILE_ENV} to its PEM file`
      : 'start that Redis or unset REDIS_URL to use the embedded one';
  return `REDIS_URL=${redactUrl(url)} does not answer (${safeReason}); ${hint}`;
}

/** The URL's password replaced by *** wherever it appears in text (it may be echoed in an error). */
export function maskPassword(text: string, url: string): string {
  const password = passwordOf(url);
  const masked = redactUrl(text);
  return password ? masked.split(password).join('***') : masked;
}

/** The password in a redis:// or rediss:// URL, if any. */
export function passwordOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
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
  /**
   * Batch the commands of one tick into one write (default: yes, except for blocking connections). Off for
   * a client with many defined commands (BullMQ's), where ioredis copies each of them onto every batch.
   */
  autoPipelining?: boolean;
}

/** A client for commands and Lua; `forWorkers` makes blocking BullMQ connections wait forever instead of failing. */
export function connect(url: string, options: ConnectOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    ...redisTlsOptions(url),
    connectionName: options.name,
    ...(options.commandTimeoutMs && !options.forWorkers ? { commandTimeout: options.commandTimeoutMs } : {}),
    maxRetriesPerRequest: options.forWorkers ? null : 20,
    enableReadyCheck: true,
    // Commands issued in the same tick go out in one write: many small writes cost more than Redis does.
    enableAutoPipelining: options.autoPipelining ?? !options.forWorkers,
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
  return url.replace(/\/\/([^@/\s]*)@/g, '//***@');
}
