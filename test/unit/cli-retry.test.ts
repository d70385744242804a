// The CLI waits out a 429 (the request did no work) and a 503 on a read, as the server's Retry-After says,
// a few times; a 503 on a write, which may have been applied, is shown at once.
import test from 'ava';
import { aJobRecord } from '../support/api-builders.ts';
import { gpubatch } from '../support/cli-harness.ts';

/** A fetch that answers from `replies` in order and records what it was asked. */
function scriptedFetch(replies: Array<() => Response>) {
  const requests: string[] = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    requests.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
    const next = replies.shift();
    if (!next) throw new Error('no more scripted replies');
    return next();
  }) as unknown as typeof globalThis.fetch;
  return { fetch, requests };
}

const problem = (status: number, retryAfter?: string) => () =>
  new Response(JSON.stringify({ title: 'Refused', status, detail: `refused with ${status}` }), {
    status,
    headers: {
      'content-type': 'application/problem+json',
      ...(retryAfter === undefined ? {} : { 'retry-after': retryAfter }),
    },
  });
const json = (status: number, body: unknown) => () =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const job = aJobRecord({ id: 'job-1' });
const env = { GPUBATCH_URL: 'http://api', GPUBATCH_TOKEN: 'gpb_test_token' };

test('a 429 is waited out as Retry-After says, then the command goes on', async (t) => {
  const { fetch, requests } = scriptedFetch([problem(429, '2'), problem(429, '1'), json(200, job)]);
  const slept: number[] = [];
  const run = await gpubatch(['describe', 'job-1'], {
    fetch,
    env,
    sleep: async (ms) => {
      slept.push(ms);
    },
  });
  t.is(run.code, 0, run.stderr);
  t.deepEqual(slept, [2000, 1000]);
  t.is(requests.length, 3);
  t.regex(run.stderr, /answered 429 \(over the rate limit\); trying again in 2 s/);
  t.regex(run.stdout, /job-1/);
});

test('after 3 retries, or with a Retry-After too long to wait, the answer is shown', async (t) => {
  const many = scriptedFetch([problem(429, '1'), problem(429, '1'), problem(429, '1'), problem(429, '1')]);
  const gaveUp = await gpubatch(['describe', 'job-1'], { fetch: many.fetch, env });
  t.is(gaveUp.code, 2);
  t.is(many.requests.length, 4);
  t.regex(gaveUp.stderr, /refused with 429/);

  const long = scriptedFetch([problem(429, '3600')]);
  const tooLong = await gpubatch(['describe', 'job-1'], { fetch: long.fetch, env });
  t.is(long.requests.length, 1);
  t.regex(tooLong.stderr, /refused with 429/);
});

test('a 503 is retried for a read but not for a submission, which may have been stored', async (t) => {
  const read = scriptedFetch([problem(503, '1'), json(200, job)]);
  t.is((await gpubatch(['describe', 'job-1'], { fetch: read.fetch, env })).code, 0);
  t.is(read.requests.length, 2);

  const write = scriptedFetch([problem(503, '5')]);
  const run = await gpubatch(['cancel', 'job-1'], { fetch: write.fetch, env });
  t.is(write.requests.length, 1);
  t.is(run.code, 1);
  t.regex(run.stderr, /refused with 503/);
});
