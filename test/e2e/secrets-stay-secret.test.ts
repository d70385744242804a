// The real service on a Redis that wants a password (an ACL user), with an API token and an AWS access
// key: jobs run, errors happen, and neither the captured log nor any response body holds a secret.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeJobsCommand, SubmitJobCommand } from '@aws-sdk/client-batch';
import test from 'ava';
import { REDIS_CA_FILE_ENV } from '../../scheduler/store/redis-tls.ts';
import { batchClient } from '../support/aws-batch-client.ts';
import { npyBytes } from '../support/npy-fixtures.ts';
import { type SecuredRedis, startSecuredRedis } from '../support/secured-redis.ts';
import { startService } from '../support/service-process.ts';

const REDIS_PASSWORD = 'default-pass-e2e-5b1c';
/** Characters a URL must escape: the service must put it into REDIS_URL correctly. */
const USER = { name: 'gpubatch', password: 'acl-pass/e2e@9d:7f#' };
const TOKEN = 'api-token-e2e-c0ffee-1234';

function workDirectory(t: { teardown(fn: () => void): void }): string {
  const work = mkdtempSync(join(tmpdir(), 'gpubatch-secrets-'));
  writeFileSync(
    join(work, 'in.npy'),
    npyBytes({ shape: '(4, 3)', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13] }),
  );
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  return work;
}

async function call(url: string, path: string, init: RequestInit = {}, token = TOKEN) {
  const response = await fetch(url + path, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  return { status: response.status, text: await response.text() };
}

async function runToSuccess(url: string, input: string): Promise<string> {
  const spec = { name: 'std', kind: 'kernel', kernel: 'standardize', input, output: 'out/std.npy' };
  const submitted = await call(url, '/v1/jobs', { method: 'POST', body: JSON.stringify(spec) });
  if (submitted.status !== 201) throw new Error(`submit: ${submitted.status} ${submitted.text}`);
  const { id } = JSON.parse(submitted.text) as { id: string };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { status } = JSON.parse((await call(url, `/v1/jobs/${id}`)).text) as { status: string };
    if (status === 'SUCCEEDED' || status === 'FAILED') return status;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let redis: SecuredRedis;
test.before(async () => {
  redis = await startSecuredRedis({ password: REDIS_PASSWORD, user: USER });
});
test.after.always(() => redis?.stop());

test.serial(
  'with an ACL user and a token: jobs run, errors happen, and no secret is logged or answered',
  async (t) => {
    const work = workDirectory(t);
    const service = await startService({
      cwd: work,
      redisUrl: redis.urlWith(USER.name, USER.password),
      dataDir: join(work, '.gpubatch'),
      adminToken: TOKEN,
      env: { LOG_LEVEL: 'debug', AWS_SECRET_ACCESS_KEY: undefined },
    });
    t.teardown(() => service.stop());
    const bodies: string[] = [];
    const keep = (response: { status: number; text: string }) => {
      bodies.push(response.text);
      return response;
    };

    t.is(await runToSuccess(service.url, 'in.npy'), 'SUCCEEDED');
    t.is(keep(await call(service.url, '/v1/jobs', {}, `${TOKEN}-wrong`)).status, 401);
    const outside = keep(
      await call(service.url, '/v1/jobs', {
        method: 'POST',
        body: JSON.stringify({
          name: 'x',
          kind: 'kernel',
          kernel: 'standardize',
          input: '/etc/passwd.npy',
          output: 'o.npy',
        }),
      }),
    );
    t.is(outside.status, 422);
    t.regex(outside.text, /"field":"input"/);
    t.is(keep(await call(service.url, '/v1/jobs/no-such-job')).status, 404);
    t.is(keep(await call(service.url, '/v1/jobs', { method: 'POST', body: '{"broken' })).status, 400);

    const key = keep(
      await call(service.url, '/v1/admin/access-keys', { method: 'POST', body: '{"tenant":"team-a"}' }),
    );
    const { accessKeyId, secretAccessKey } = JSON.parse(key.text) as {
      accessKeyId: string;
      secretAccessKey: string;
    };
    bodies.pop(); // the one answer that must carry the secret, once
    const batch = batchClient(t, service.url, { accessKeyId, secretAccessKey });
    t.deepEqual((await batch.send(new DescribeJobsCommand({ jobs: ['x'] }))).jobs, []);
    await t.throwsAsync(
      batch.send(new SubmitJobCommand({ jobName: 'j', jobQueue: 'nope', jobDefinition: 'nope' })),
    );
    const forged = batchClient(t, service.url, { accessKeyId, secretAccessKey: `${secretAccessKey}x` });
    await t.throwsAsync(forged.send(new DescribeJobsCommand({ jobs: ['x'] })));

    await service.stop();
    const log = service.output();
    t.regex(log, /redis: redis:\/\/\*\*\*@127\.0\.0\.1/, 'the Redis URL is logged, masked');
    for (const secret of [
      REDIS_PASSWORD,
      USER.password,
      encodeURIComponent(USER.password),
      TOKEN,
      secretAccessKey,
    ]) {
      t.false(log.includes(secret), `the log holds ${secret}`);
      t.false(
        bodies.some((body) => body.includes(secret)),
        `a response body holds ${secret}`,
      );
    }
  },
);

test.serial(
  'a wrong Redis password stops the start with a clear message that does not print it',
  async (t) => {
    const work = workDirectory(t);
    const error = await t.throwsAsync(
      startService({
        cwd: work,
        redisUrl: redis.urlWith(USER.name, 'not-the-password-77'),
        dataDir: join(work, '.gpubatch'),
      }),
    );
    t.regex(error.message, /cannot start: REDIS_URL=redis:\/\/\*\*\*@127\.0\.0\.1:\d+ does not answer/);
    t.regex(error.message, /Redis refused the credentials/);
    t.false(error.message.includes('not-the-password-77'));
  },
);

test.serial(
  'over TLS (rediss:// and a private CA), user and password from REDIS_USERNAME/REDIS_PASSWORD, a job runs to the end',
  async (t) => {
    const tls = await startSecuredRedis({ password: REDIS_PASSWORD, user: USER, tls: true });
    t.teardown(() => tls.stop());
    const work = workDirectory(t);
    const service = await startService({
      cwd: work,
      redisUrl: tls.baseUrl,
      dataDir: join(work, '.gpubatch'),
      adminToken: TOKEN,
      env: {
        [REDIS_CA_FILE_ENV]: tls.caFile,
        REDIS_USERNAME: USER.name,
        REDIS_PASSWORD: USER.password,
      },
    });
    t.teardown(() => service.stop());

    t.is(await runToSuccess(service.url, 'in.npy'), 'SUCCEEDED');
    t.regex(service.output(), /redis: rediss:\/\/\*\*\*@127\.0\.0\.1/);
    t.false(service.output().includes(USER.password));
    t.false(service.output().includes(encodeURIComponent(USER.password)));
  },
);
