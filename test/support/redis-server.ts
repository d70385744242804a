// Each test file gets its own redis-server on a free port, in a temp dir, that it may kill and restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestFn } from 'ava';
import type { Redis } from 'ioredis';
import {
  type EmbeddedRedis,
  type EmbeddedRedisOptions,
  startEmbeddedRedis,
} from '../../scheduler/store/embedded-redis.ts';
import { connect } from '../../scheduler/store/redis.ts';

export interface TestRedis {
  url: string;
  dir: string;
  /** The running redis-server (a new one after `crashAndRestart`). */
  server: EmbeddedRedis;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
  /** SIGKILL, then (after `downMs`) a new redis-server on the same port and directory: it loads what its AOF kept. */
  crashAndRestart(downMs?: number): Promise<void>;
}

export type TestRedisOptions = Pick<EmbeddedRedisOptions, 'appendOnly' | 'appendFsync'>;

export async function testRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'gpubatch-redis-'));
  const settings = { dir, appendOnly: options.appendOnly ?? false, appendFsync: options.appendFsync };
  let server = await startEmbeddedRedis(settings);
  return {
    url: server.url,
    dir,
    get server() {
      return server;
    },
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    crashAndRestart: async (downMs = 0) => {
      await server.kill();
      await new Promise((r) => setTimeout(r, downMs));
      server = await startEmbeddedRedis({ ...settings, port: server.port });
    },
  };
}

export interface SharedRedis {
  /** The file's server (its url, its process). */
  readonly server: TestRedis;
  /** One connection every test of the file shares; tests keep apart by key prefix. */
  readonly client: Redis;
}

/** One redis-server and one connection for all tests of a file: started before the first, stopped after the last. */
export function redisForFile(test: TestFn): SharedRedis {
  let server: TestRedis | undefined;
  let client: Redis | undefined;
  test.before(async () => {
    server = await testRedis();
    client = connect(server.url);
  });
  test.after.always(async () => {
    client?.disconnect();
    await server?.stop();
  });
  return {
    get server() {
      return started(server);
    },
    get client() {
      return started(client);
    },
  };
}

function started<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the test Redis is not started yet (used outside a test?)');
  return value;
}
