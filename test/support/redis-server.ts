// Each test file gets its own redis-server on a free port, in a temp dir, that it may kill and restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../scheduler/store/embedded-redis.ts';

export interface TestRedis {
  url: string;
  dir: string;
  server: EmbeddedRedis;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

export async function testRedis(options: { appendOnly?: boolean } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'gpubatch-redis-'));
  const server = await startEmbeddedRedis({ dir, appendOnly: options.appendOnly ?? false });
  return {
    url: server.url,
    dir,
    server,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
