import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { RedisConfigError, RedisUnavailableError } from '../../scheduler/store/errors.ts';
import { freePort } from '../../scheduler/store/free-port.ts';
import { assertNoEviction, connect, resolveRedis } from '../../scheduler/store/redis.ts';
import { testRedis } from '../support/redis-server.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'gpubatch-data-'));

test('REDIS_URL is used when it answers', async (t) => {
  const redis = await testRedis();
  t.teardown(() => redis.stop());
  const resolved = await resolveRedis({ redisUrl: redis.url, dataDir: tempDir() });
  t.is(resolved.source, 'REDIS_URL');
  t.is(resolved.url, redis.url);
});

test('a REDIS_URL that does not answer is an error that says what to do', async (t) => {
  const port = await freePort();
  const error = await t.throwsAsync(
    resolveRedis({ redisUrl: `redis://127.0.0.1:${port}`, dataDir: tempDir() }),
    {
      instanceOf: RedisUnavailableError,
    },
  );
  t.regex(error.message, /does not answer.*unset REDIS_URL/);
});

test('a running local Redis is used when no REDIS_URL is set', async (t) => {
  const redis = await testRedis();
  t.teardown(() => redis.stop());
  const resolved = await resolveRedis({ dataDir: tempDir(), localUrl: redis.url });
  t.is(resolved.source, 'local');
});

test('with nothing running, an embedded redis-server with AOF keeps its data under the data dir', async (t) => {
  const dataDir = tempDir();
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const closed = `redis://127.0.0.1:${await freePort()}`;
  const first = await resolveRedis({ dataDir, localUrl: closed });
  t.is(first.source, 'embedded');
  const client = connect(first.url);
  await client.set('survives', 'yes');
  client.disconnect();
  await first.embedded?.stop();
  t.true(existsSync(join(dataDir, 'redis')));

  const second = await resolveRedis({ dataDir, localUrl: closed });
  t.teardown(() => second.embedded?.stop());
  const again = connect(second.url);
  t.is(await again.get('survives'), 'yes');
  again.disconnect();
});

test('a Redis that may evict keys is refused with the command that fixes it', async (t) => {
  const redis = await testRedis();
  t.teardown(() => redis.stop());
  const client = connect(redis.url);
  t.teardown(() => client.disconnect());
  await t.notThrowsAsync(assertNoEviction(client));
  await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
  const error = await t.throwsAsync(assertNoEviction(client), { instanceOf: RedisConfigError });
  t.regex(error.message, /allkeys-lru.*CONFIG SET maxmemory-policy noeviction/);
});
