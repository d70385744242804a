// Redis not answering is a 503 with Retry-After, told apart from bugs (500) by what ioredis and Redis say.
import test from 'ava';
import { asStoreUnavailable, StoreUnavailableError } from '../../scheduler/store/store-unavailable.ts';
import { aJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';
import { FakeJobService } from '../support/fake-job-service.ts';

const networkError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:6379`), { code });

const unavailable: [string, Error][] = [
  ['a command timeout (Redis stopped)', new Error('Command timed out')],
  ['a closed connection', new Error('Connection is closed.')],
  [
    'retries used up while reconnecting',
    Object.assign(new Error('Reached the max retries per request limit (which is 20).'), {
      name: 'MaxRetriesPerRequestError',
    }),
  ],
  ['Redis loading its AOF after a restart', new Error('LOADING Redis is loading the dataset in memory')],
  ['a script running too long', new Error('BUSY Redis is busy running a script.')],
  ['a full Redis (noeviction)', new Error("OOM command not allowed when used memory > 'maxmemory'.")],
  ['connection refused', networkError('ECONNREFUSED')],
  ['connection reset', networkError('ECONNRESET')],
];

for (const [what, error] of unavailable) {
  test(`${what} is the store being unavailable`, (t) => {
    const typed = asStoreUnavailable(error);
    t.true(typed instanceof StoreUnavailableError);
    t.is(typed?.cause, error);
    t.regex(typed?.message ?? '', /^the job store \(Redis\) is unavailable: /);
  });
}

test('other errors, including Redis replies about the command, are not', (t) => {
  t.is(asStoreUnavailable(new Error('ERR wrong number of arguments')), undefined);
  t.is(asStoreUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')")), undefined);
  t.is(asStoreUnavailable('Command timed out'), undefined, 'only errors');
});

test('a submission while Redis does not answer is 503 problem+json with Retry-After', async (t) => {
  const jobs = new FakeJobService();
  jobs.rejectSubmitsWith(new Error('Command timed out'));
  const api = await startApi(t, { jobs, logError: () => t.fail('not an unexpected error') });
  const reply = await api.request('/v1/jobs', { method: 'POST', json: aJobSpec() });
  t.is(reply.status, 503);
  t.is(reply.headers.get('retry-after'), '5');
  t.regex(reply.contentType, /^application\/problem\+json/);
  t.like(reply.body, { type: 'urn:gpubatch:problem:not-ready', title: 'Service unavailable', status: 503 });
  t.regex(
    reply.body.detail,
    /Redis\) is unavailable: Command timed out; try again in 5 s.*same idempotency key/,
  );
});

test('an unexpected error stays a 500 without Retry-After', async (t) => {
  const jobs = new FakeJobService();
  jobs.rejectSubmitsWith(new Error('boom'));
  const api = await startApi(t, { jobs, logError: () => {} });
  const reply = await api.request('/v1/jobs', { method: 'POST', json: aJobSpec() });
  t.is(reply.status, 500);
  t.is(reply.headers.get('retry-after'), null);
});
