// A service stack that fails to start lets go of its Redis connections, whether it fails before listening
// (Redis answers something unusable) or at listening (the port is taken).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { stringify } from 'yaml';
import { loadConfig } from '../../scheduler/config.ts';
import { startServiceStack } from '../../scheduler/service-stack.ts';
import { keys } from '../../scheduler/store/keys.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { testRedis } from '../support/redis-server.ts';

const CONFIG = {
  computeEnvironments: [{ name: 'sim', type: 'simulated', nodes: [{ count: 1, gpus: 1 }] }],
  queues: [{ name: 'demo', computeEnvironment: 'sim' }],
};

/** The names of gpubatch's clients connected to the Redis, once they have settled. */
async function gpubatchClients(url: string): Promise<string[]> {
  const probe = connect(url);
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const list = (await probe.client('LIST')) as string;
    return [...list.matchAll(/name=(gpubatch-\S+)/g)].map((match) => match[1]!).sort();
  } finally {
    probe.disconnect();
  }
}

async function startOn(t: ExecutionContext, redisUrl: string, port: number) {
  const dir = mkdtempSync(join(tmpdir(), 'gpubatch-start-failure-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'config.yaml'), stringify(CONFIG));
  const config = loadConfig(
    {
      GPUBATCH_CONFIG: 'config.yaml',
      PORT: String(port),
      REDIS_URL: redisUrl,
      GPUBATCH_ADMIN_TOKEN: 'start-failure-admin-token-0123',
    },
    dir,
  );
  return startServiceStack(config, redisUrl);
}

test('a failure before listening (an unusable Redis key) leaves no connection behind', async (t) => {
  const redis = await testRedis();
  t.teardown(() => redis.stop());
  const client = connect(redis.url);
  await client.set(keys().createdComputeEnvironments, 'not a hash');
  client.disconnect();

  await t.throwsAsync(startOn(t, redis.url, 0), { message: /WRONGTYPE/ });
  t.deepEqual(await gpubatchClients(redis.url), []);
});

test('a port already taken leaves no connection behind', async (t) => {
  const redis = await testRedis();
  t.teardown(() => redis.stop());
  const taken = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => taken.once('listening', resolve));
  t.teardown(() => taken.close());
  const { port } = taken.address() as { port: number };

  await t.throwsAsync(startOn(t, redis.url, port), { message: /EADDRINUSE|in use/ });
  t.deepEqual(await gpubatchClients(redis.url), []);
});
