// Access keys in Redis: AWS-shaped ids and secrets, one hash per key, unknown ids not found.
import test from 'ava';
import { AccessKeyStore } from '../../scheduler/store/access-keys.ts';
import { redisForFile } from '../support/redis-server.ts';

const redis = redisForFile(test);

test('a created key reads back with its tenant and secret; ids and secrets have AWS lengths', async (t) => {
  const store = new AccessKeyStore(redis.client, { now: () => 1234 });
  const key = await store.create('team-a');
  t.regex(key.accessKeyId, /^GPBK[A-Z2-7]{16}$/);
  t.is(key.secretAccessKey.length, 40);
  t.deepEqual(await store.get(key.accessKeyId), { ...key, createdAt: 1234 });
  t.deepEqual(await redis.client.hgetall(store.keys.accessKey(key.accessKeyId)), {
    secret: key.secretAccessKey,
    tenant: 'team-a',
    createdAt: '1234',
    role: 'submitter',
  });
});

test('a key may be made an admin; a key stored before roles existed reads back as a submitter', async (t) => {
  const store = new AccessKeyStore(redis.client);
  const admin = await store.create('ops', 'admin');
  t.is((await store.get(admin.accessKeyId))?.role, 'admin');
  const old = await store.create('legacy');
  await redis.client.hdel(store.keys.accessKey(old.accessKeyId), 'role');
  t.is((await store.get(old.accessKeyId))?.role, 'submitter');
});

test('keys are distinct, and an unknown id is not found', async (t) => {
  const store = new AccessKeyStore(redis.client);
  const keys = await Promise.all(Array.from({ length: 20 }, () => store.create('t')));
  t.is(new Set(keys.map((k) => k.accessKeyId)).size, 20);
  t.is(new Set(keys.map((k) => k.secretAccessKey)).size, 20);
  t.is(await store.get('GPBKNOSUCHKEY0000000'), undefined);
});

test('a deleted key is gone; deleting it again says so', async (t) => {
  const store = new AccessKeyStore(redis.client);
  const key = await store.create('t');
  t.true(await store.delete(key.accessKeyId));
  t.is(await store.get(key.accessKeyId), undefined);
  t.false(await store.delete(key.accessKeyId));
});
