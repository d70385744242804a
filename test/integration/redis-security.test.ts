// Redis with a password, an ACL user and TLS, all through REDIS_URL: every client the service opens
// (commands, BullMQ queues and workers) authenticates the same way, and no error names the password.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Queue, Worker } from 'bullmq';
import { RedisUnavailableError } from '../../scheduler/store/errors.ts';
import { connect, resolveRedis } from '../../scheduler/store/redis.ts';
import { REDIS_CA_FILE_ENV } from '../../scheduler/store/redis-tls.ts';
import { type SecuredRedis, startSecuredRedis } from '../support/secured-redis.ts';

const PASSWORD = 'default-pass-7f3a9c';
const USER = { name: 'gpubatch', password: 'acl-pass-41d8e2' };
const dataDir = () => mkdtempSync(join(tmpdir(), 'gpubatch-data-'));

let plain: SecuredRedis;
test.before(async () => {
  plain = await startSecuredRedis({ password: PASSWORD, user: USER });
});
test.after.always(() => plain?.stop());

/** A BullMQ round trip: a queue adds, a worker on its own connections takes and completes. */
async function bullRoundTrip(url: string): Promise<unknown> {
  const queueConnection = connect(url);
  const workerConnection = connect(url, { forWorkers: true });
  const queue = new Queue('security-check', { connection: queueConnection });
  const done = new Promise((resolve) => {
    const worker = new Worker('security-check', async (job) => job.data.n * 2, {
      connection: workerConnection,
    });
    worker.on('completed', (_job, value) => {
      resolve(value);
      void worker.close();
    });
  });
  await queue.add('double', { n: 21 });
  const result = await done;
  await queue.close();
  queueConnection.disconnect();
  workerConnection.disconnect();
  return result;
}

test.serial('requirepass: redis://:password@ works for commands and BullMQ', async (t) => {
  const url = plain.urlWith('', PASSWORD);
  t.is((await resolveRedis({ redisUrl: url, dataDir: dataDir() })).source, 'REDIS_URL');
  t.is(await bullRoundTrip(url), 42);
});

test.serial('an ACL user: redis://user:password@ works for commands and BullMQ', async (t) => {
  const url = plain.urlWith(USER.name, USER.password);
  const client = connect(url);
  t.teardown(() => client.disconnect());
  t.is(await client.call('ACL', 'WHOAMI'), USER.name);
  t.is(await bullRoundTrip(url), 42);
});

for (const [what, url] of [
  ['a wrong password', () => plain.urlWith('', 'wrong-password-123')],
  ['a wrong ACL password', () => plain.urlWith(USER.name, 'wrong-password-123')],
  ['no password', () => plain.baseUrl],
] as const) {
  test.serial(`${what} is a clear start-up error that does not print the password`, async (t) => {
    const error = await t.throwsAsync(resolveRedis({ redisUrl: url(), dataDir: dataDir() }), {
      instanceOf: RedisUnavailableError,
    });
    t.regex(error.message, /Redis refused the credentials: check the user and password in REDIS_URL/);
    t.false(error.message.includes('wrong-password-123'));
    t.false(error.message.includes(PASSWORD));
    t.regex(error.message, /REDIS_URL=redis:\/\/(\*\*\*@)?127\.0\.0\.1/);
  });
}

test.serial(
  'TLS: rediss:// with the private CA in GPUBATCH_REDIS_CA_FILE; without it a hint names the variable',
  async (t) => {
    const tls = await startSecuredRedis({ password: PASSWORD, user: USER, tls: true });
    t.teardown(() => tls.stop());
    const url = tls.urlWith(USER.name, USER.password);
    t.true(url.startsWith('rediss://'));

    delete process.env[REDIS_CA_FILE_ENV];
    const untrusted = await t.throwsAsync(resolveRedis({ redisUrl: url, dataDir: dataDir() }));
    t.regex(untrusted.message, new RegExp(`TLS handshake failed: for a private CA set ${REDIS_CA_FILE_ENV}`));
    t.false(untrusted.message.includes(USER.password));

    process.env[REDIS_CA_FILE_ENV] = tls.caFile;
    t.teardown(() => {
      delete process.env[REDIS_CA_FILE_ENV];
    });
    t.is((await resolveRedis({ redisUrl: url, dataDir: dataDir() })).source, 'REDIS_URL');
    t.is(await bullRoundTrip(url), 42);
    const plainClient = connect(tls.urlWith(USER.name, USER.password).replace('rediss://', 'redis://'), {});
    plainClient.on('error', () => undefined);
    t.teardown(() => plainClient.disconnect());
    await t.throwsAsync(
      Promise.race([
        plainClient.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no answer')), 1500)),
      ]),
    );
  },
);
