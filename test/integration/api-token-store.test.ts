// Bearer API tokens in Redis: only a SHA-256 of each token is stored; verification, revocation, the
// first admin token (created once even when API processes start together) and GPUBATCH_ADMIN_TOKEN.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { tokenHash } from '../../api/api-tokens.ts';
import { adminTokenBanner, provisionAdminToken } from '../../scheduler/admin-token.ts';
import { ApiTokenStore } from '../../scheduler/store/api-tokens.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { redisForFile } from '../support/redis-server.ts';

const redis = redisForFile(test);
let prefixes = 0;
/** A store under a prefix of its own, so each test starts with no tokens. */
const freshStore = (now?: () => number) =>
  new ApiTokenStore(redis.client, { prefix: `tokens-test-${prefixes++}`, ...(now ? { now } : {}) });

/** Every value under the store's prefix: hashes' fields and values, sets' members. */
async function everythingStored(store: ApiTokenStore): Promise<string> {
  const prefix = store.keys.apiTokenIds.replace(/apitokens:ids$/, '');
  const keys = await redis.client.keys(`${prefix}*`);
  const values: string[] = [];
  for (const key of keys) {
    const type = await redis.client.type(key);
    if (type === 'hash') values.push(...Object.entries(await redis.client.hgetall(key)).flat());
    else if (type === 'set') values.push(...(await redis.client.smembers(key)));
    else if (type === 'zset') values.push(...(await redis.client.zrange(key, '0', '-1')));
    else values.push(String(await redis.client.get(key)));
  }
  return values.join('\n');
}

test('a token is stored hashed: no Redis value holds the token or its secret', async (t) => {
  const store = freshStore(() => 1234);
  const created = await store.create({ role: 'submitter', tenant: 'team-a', name: 'ci' });

  const stored = await everythingStored(store);
  const secret = created.token.split('_').slice(2).join('_');
  t.false(stored.includes(created.token));
  t.false(stored.includes(secret));
  t.true(stored.includes(tokenHash(created.token)));
  t.deepEqual(await redis.client.hgetall(store.keys.apiToken(created.id)), {
    hash: tokenHash(created.token),
    name: 'ci',
    role: 'submitter',
    tenant: 'team-a',
    createdAt: '1234',
  });
});

test('verify answers the principal of a known token, nothing for an unknown one', async (t) => {
  const store = freshStore();
  const created = await store.create({ role: 'viewer', tenant: 'team-b' });

  t.deepEqual(await store.verify(created.token), { id: created.id, role: 'viewer', tenant: 'team-b' });
  t.is(await store.verify(`${created.token}x`), undefined);
  t.is(await store.verify(''), undefined);
});

test('a revoke takes effect at once in another process (another connection); revoking twice keeps the first time', async (t) => {
  let now = 1000;
  const store = freshStore(() => now);
  const created = await store.create({ role: 'admin', tenant: 'default' });
  const other = connect(redis.server.url);
  t.teardown(() => other.disconnect());
  const elsewhere = new ApiTokenStore(other, {
    prefix: store.keys.apiTokenIds.replace(/:apitokens:ids$/, ''),
  });
  t.truthy(await elsewhere.verify(created.token));

  const revoked = await store.revoke(created.id);
  now = 2000;
  const again = await store.revoke(created.id);

  t.is(await elsewhere.verify(created.token), undefined);
  t.like(revoked, { id: created.id, revokedAt: 1000 });
  t.like(again, { revokedAt: 1000 });
  t.is(await store.revoke('no-such-id'), undefined);
  t.like(
    (await store.list()).find((token) => token.id === created.id),
    { revokedAt: 1000, role: 'admin' },
  );
});

test('list shows every token oldest first, without any hash or secret', async (t) => {
  let now = 10;
  const store = freshStore(() => now++);
  const a = await store.create({ role: 'viewer', tenant: 'a', name: 'first' });
  const b = await store.create({ role: 'admin', tenant: 'b' });

  const listed = await store.list();

  t.deepEqual(listed, [
    { id: a.id, name: 'first', role: 'viewer', tenant: 'a', createdAt: 10 },
    { id: b.id, name: '', role: 'admin', tenant: 'b', createdAt: 11 },
  ]);
});

test('first start: API processes starting together create exactly one admin token', async (t) => {
  const store = freshStore();
  const attempts = await Promise.all(
    Array.from({ length: 8 }, () => store.createFirstAdmin('default', 'first start')),
  );

  const created = attempts.filter((attempt) => attempt !== undefined);
  t.is(created.length, 1);
  t.is(await store.createFirstAdmin('default', 'first start'), undefined);
  // Once every admin token is revoked, the next start creates a new one (no lock-out).
  await store.revoke(created[0]!.id);
  t.truthy(await store.createFirstAdmin('default', 'first start'));
});

test('provisioning writes the first admin token to <dataDir>/admin-token with mode 0600, once', async (t) => {
  const store = freshStore();
  const dataDir = join(mkdtempSync(join(tmpdir(), 'gpubatch-admin-token-')), 'data');

  const first = await provisionAdminToken(store, { dataDir });
  const second = await provisionAdminToken(store, { dataDir });

  if (first.kind !== 'created') return t.fail(`expected a created token, got ${first.kind}`);
  t.is(first.file, join(dataDir, 'admin-token'));
  t.is(readFileSync(first.file, 'utf8'), `${first.token}\n`);
  t.is(statSync(first.file).mode & 0o777, 0o600);
  t.deepEqual(await store.verify(first.token), {
    id: first.token.split('_')[1]!,
    role: 'admin',
    tenant: 'default',
  });
  t.deepEqual(second, { kind: 'exists' });
  const banner = adminTokenBanner(first.token, first.file);
  t.true(banner.includes(first.token));
  t.regex(banner, /^\+-+\+\n\| gpubatch created an admin API token/);
});

test('GPUBATCH_ADMIN_TOKEN is stored hashed as an admin token; a revoked one stays revoked on restart', async (t) => {
  const store = freshStore();
  const given = 'automation-admin-token-0123456789';
  const dataDir = mkdtempSync(join(tmpdir(), 'gpubatch-admin-token-'));

  t.deepEqual(await provisionAdminToken(store, { adminToken: given, dataDir }), {
    kind: 'given',
    outcome: 'created',
  });
  t.deepEqual(await provisionAdminToken(store, { adminToken: given, dataDir }), {
    kind: 'given',
    outcome: 'exists',
  });
  const principal = await store.verify(given);
  t.like(principal, { role: 'admin', tenant: 'default' });
  t.false((await everythingStored(store)).includes(given));
  // No first-start token is made beside it, and no file is written.
  t.is((await store.list()).length, 1);
  t.throws(() => statSync(join(dataDir, 'admin-token')));

  await store.revoke(principal!.id);
  t.deepEqual(await provisionAdminToken(store, { adminToken: given, dataDir }), {
    kind: 'given',
    outcome: 'revoked',
  });
  t.is(await store.verify(given), undefined);
});
