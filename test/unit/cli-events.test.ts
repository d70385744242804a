// gpubatch events: follows the job events stream (SSE) and prints a line per event, or NDJSON with --json;
// resumes with --since (Last-Event-ID) and after a dropped connection; colours only on a terminal.
import { spawn } from 'node:child_process';
import test from 'ava';
import { aJobRecord, aValidatedJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';
import { gpubatch } from '../support/cli-harness.ts';
import { FakeEventFeed } from '../support/fake-event-feed.ts';
import { gpubatchOnTty, hasScript } from '../support/pseudo-tty.ts';

const ESC = '\x1b[';
const at = (seconds: number) => Date.UTC(2025, 0, 1, 12, 0, seconds);

/** job-1 in queue gpu, waiting: its record's history is SUBMITTED then RUNNABLE. */
const waitingJob = aJobRecord({
  id: 'job-1',
  spec: aValidatedJobSpec({ queue: 'gpu' }),
  status: 'RUNNABLE',
  createdAt: at(0),
  events: [
    { at: at(0), status: 'SUBMITTED', reason: 'submitted' },
    { at: at(1), status: 'RUNNABLE', reason: 'waiting for a node with a free GPU' },
  ],
});

/** An API whose job-1, once a client follows it, starts, reports progress and succeeds. */
async function apiWithRunningJob(t: Parameters<typeof startApi>[0]) {
  const events = new FakeEventFeed();
  const api = await startApi(t, { events });
  api.jobs.put(waitingJob);
  events.onFollow(() => {
    events.status('job-1', 'RUNNING', 'on node-a GPUs 0', at(2), 'gpu');
    events.progress('job-1', 5, 10, at(3), 'gpu');
    events.status('job-1', 'SUCCEEDED', 'exit 0', at(4), 'gpu');
  });
  return { api, events };
}

test('--job prints the job’s history, then each change as it happens, and ends when the job does', async (t) => {
  const { api } = await apiWithRunningJob(t);

  const run = await gpubatch(['events', '--job', 'job-1'], { env: api.env });

  t.is(run.code, 0, run.stderr);
  t.deepEqual(run.stdout.split('\n'), [
    '2025-01-01 12:00:00Z  job-1  SUBMITTED  submitted',
    '2025-01-01 12:00:01Z  job-1  RUNNABLE   waiting for a node with a free GPU',
    '2025-01-01 12:00:02Z  job-1  RUNNING    on node-a GPUs 0',
    '2025-01-01 12:00:03Z  job-1  progress   5/10 50%',
    '2025-01-01 12:00:04Z  job-1  SUCCEEDED  exit 0',
    '',
  ]);
  t.is(run.stderr, '');
});

test('--json prints one JSON object per event and line, with the stream id to resume from', async (t) => {
  const { api } = await apiWithRunningJob(t);

  const run = await gpubatch(['events', '--job', 'job-1', '--json'], { env: api.env });

  t.is(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  const events = lines.map((line) => JSON.parse(line));
  t.deepEqual(events[0], {
    type: 'status',
    jobId: 'job-1',
    queue: 'gpu',
    tenant: 'default',
    status: 'SUBMITTED',
    reason: 'submitted',
    at: at(0),
  });
  t.deepEqual(events[3], {
    id: '2-0',
    type: 'progress',
    jobId: 'job-1',
    queue: 'gpu',
    tenant: 'default',
    done: 5,
    total: 10,
    at: at(3),
  });
  t.deepEqual(
    events.map((event) => event.status ?? event.type),
    ['SUBMITTED', 'RUNNABLE', 'RUNNING', 'progress', 'SUCCEEDED'],
  );
  t.false(run.stdout.includes(ESC));
});

test('--since resumes after that event (sent as Last-Event-ID) and follows until Ctrl-C', async (t) => {
  const events = new FakeEventFeed();
  const api = await startApi(t, { events });
  events.status('job-1', 'SUBMITTED', 'submitted', at(0));
  const resumeAfter = events.status('job-2', 'SUBMITTED', 'submitted', at(1));
  events.status('job-1', 'RUNNABLE', 'waiting', at(2));
  let interrupt: (() => void) | undefined;
  events.onFollow(() => events.status('job-2', 'FAILED', 'exit 3', at(3)));
  // Ctrl-C once the live event has reached the command (it reads each chunk before the next timer).
  const fetch = (async (url: string, init: RequestInit) => {
    const response = await globalThis.fetch(url, init);
    const seen = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk);
        if (new TextDecoder().decode(chunk).includes('FAILED')) setTimeout(() => interrupt?.(), 10);
      },
    });
    return new Response(response.body!.pipeThrough(seen), response);
  }) as typeof globalThis.fetch;

  const run = await gpubatch(['events', '--since', resumeAfter], {
    fetch,
    env: api.env,
    onInterrupt: (handler) => {
      interrupt = handler;
      return () => {
        interrupt = undefined;
      };
    },
  });

  t.is(run.code, 0, run.stderr);
  t.deepEqual(run.stdout.trimEnd().split('\n'), [
    '2025-01-01 12:00:02Z  job-1  RUNNABLE   waiting',
    '2025-01-01 12:00:03Z  job-2  FAILED     exit 3',
  ]);
  t.is(run.stderr, '');
  t.is(interrupt, undefined, 'the Ctrl-C handler is removed when the command ends');
  await waitUntil(() => events.followers === 0);
  t.pass('the server saw the client go');
});

test('a dropped stream is reopened after the last event received, without printing anything twice', async (t) => {
  const requests: { url: string; lastEventId: string | null }[] = [];
  const bodies = [
    // The job's fresh stream: its history (no ids), one live event, then the connection drops.
    'event: status\ndata: {"jobId":"job-1","queue":"gpu","status":"SUBMITTED","reason":"submitted","at":0}\n\n' +
      'id: 7-0\nevent: status\ndata: {"jobId":"job-1","queue":"gpu","status":"RUNNING","reason":"started","at":1000}\n\n',
    'id: 8-0\nevent: status\ndata: {"jobId":"job-1","queue":"gpu","status":"SUCCEEDED","reason":"exit 0","at":2000}\n\n',
  ];
  const fetch = (async (url: string, init: RequestInit) => {
    requests.push({ url, lastEventId: new Headers(init.headers).get('last-event-id') });
    const body = bodies.shift() ?? '';
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  }) as typeof globalThis.fetch;

  const run = await gpubatch(['events', '--job', 'job-1'], { fetch, env: { GPUBATCH_URL: 'http://api' } });

  t.is(run.code, 0, run.stderr);
  t.deepEqual(requests, [
    { url: 'http://api/v1/jobs/job-1/events', lastEventId: null },
    { url: 'http://api/v1/jobs/job-1/events', lastEventId: '7-0' },
  ]);
  t.deepEqual(
    run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.split(/ {2}/)[2]?.trim()),
    ['SUBMITTED', 'RUNNING', 'SUCCEEDED'],
  );
  t.is(run.stderr, 'events: the stream ended; reconnecting after event 7-0\n');
});

test('a server that keeps ending the stream without events is given up on, exit 1', async (t) => {
  let requests = 0;
  const fetch = (async () => {
    requests++;
    return new Response('', { headers: { 'content-type': 'text/event-stream' } });
  }) as unknown as typeof globalThis.fetch;

  const run = await gpubatch(['events'], { fetch, env: { GPUBATCH_URL: 'http://api' } });

  t.is(run.code, 1);
  t.is(requests, 6, 'the first try and 5 more');
  t.regex(run.stderr, /keeps ending the event stream \(gave up after 5 tries\)/);
});

test('a stream the server ends because the token was revoked: exit 1 saying so, no reconnect', async (t) => {
  let requests = 0;
  const fetch = (async () => {
    requests++;
    const body =
      'id: 1-0\nevent: status\ndata: {"jobId":"job-1","status":"RUNNABLE","reason":"waiting","at":0}\n\n' +
      'event: revoked\ndata: {"reason":"the token was revoked"}\n\n';
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  }) as unknown as typeof globalThis.fetch;

  const run = await gpubatch(['events'], { fetch, env: { GPUBATCH_URL: 'http://api' } });

  t.is(run.code, 1);
  t.is(requests, 1);
  t.regex(run.stdout, /job-1 +RUNNABLE/);
  t.regex(run.stderr, /the server ended the stream: this token was revoked/);
});

test('events trimmed before --since are reported on stderr (and as a "missed" line with --json)', async (t) => {
  const events = new FakeEventFeed();
  const api = await startApi(t, { events });
  events.status('job-1', 'SUBMITTED', 'submitted', at(0));
  events.status('job-1', 'RUNNABLE', 'waiting', at(1));
  events.status('job-1', 'FAILED', 'exit 1', at(2));
  events.trimmedThrough = 2;
  api.jobs.put(waitingJob);

  const plain = await gpubatch(['events', '--job', 'job-1', '--since', '1-0'], {
    env: api.env,
  });
  const json = await gpubatch(['events', '--job', 'job-1', '--since', '1-0', '--json'], {
    env: api.env,
  });

  t.is(plain.code, 0, plain.stderr);
  t.regex(plain.stderr, /older events were trimmed/);
  t.is(plain.stdout, '2025-01-01 12:00:02Z  job-1  FAILED     exit 1\n');
  t.like(JSON.parse(json.stdout.split('\n')[0]!), { type: 'missed', after: '1-0' });
});

test('bad flags are usage errors that name the flag; an unknown job is the server’s 404', async (t) => {
  const events = new FakeEventFeed();
  const api = await startApi(t, { events });
  const env = api.env;

  const since = await gpubatch(['events', '--since', 'yesterday'], { env });
  const both = await gpubatch(['events', '--job', 'a', '--queue', 'q'], { env });
  const unknown = await gpubatch(['events', '--job', 'nope'], { env });

  t.is(since.code, 2);
  t.regex(since.stderr, /--since must be an event id such as 1700000000000-0 .*not "yesterday"/);
  t.is(both.code, 2);
  t.regex(both.stderr, /--job and --queue cannot be combined/);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /Not found \(404\): no job with id "nope"/);
});

test('a server that cannot be reached is an error at once, not a retry loop', async (t) => {
  const run = await gpubatch(['events'], { env: { GPUBATCH_URL: 'http://127.0.0.1:9' } });

  t.is(run.code, 1);
  t.regex(run.stderr, /cannot reach gpubatch at http:\/\/127\.0\.0\.1:9/);
});

/** The real `gpubatch events` as a child process against `env`'s API, with what it writes to stderr. */
function spawnEvents(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ['cli/gpubatch.ts', 'events'], { env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return { child, stderr: () => stderr };
}

test('Ctrl-C stops the real command cleanly: exit 0, nothing on stderr, the stream closed', async (t) => {
  const { api, events } = await apiWithRunningJob(t);
  events.onFollow(() => {});
  const { child, stderr } = spawnEvents(api.env);
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  await waitUntil(() => events.followers === 1);
  events.status('job-1', 'RUNNING', 'started', at(2), 'gpu');
  await waitUntil(() => stdout.includes('RUNNING'));

  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) =>
    child.on('exit', (exitCode) => resolve(exitCode)),
  );

  t.is(code, 0, stderr());
  t.is(stderr(), '');
  t.is(stdout, '2025-01-01 12:00:02Z  job-1  RUNNING    started\n');
  await waitUntil(() => events.followers === 0);
});

test('a reader that stops reading (events | head -1) ends the command quietly', async (t) => {
  const { api, events } = await apiWithRunningJob(t);
  events.onFollow(() => {});
  const { child, stderr } = spawnEvents(api.env);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stdout.once('data', () => child.stdout.destroy()); // like head -1: one line, then gone
  await waitUntil(() => events.followers === 1);

  // The first event is read; a later write finds the pipe closed.
  const deadline = Date.now() + 30_000;
  for (let i = 0; child.exitCode === null && Date.now() < deadline; i++) {
    events.status('job-1', 'RUNNING', `started ${i}`, at(2), 'gpu');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  t.is(await exited, 0, stderr());
  t.is(stderr(), '');
});

const ttyTest = hasScript ? test : test.skip;

ttyTest('on a pseudo-terminal the status is coloured; NO_COLOR turns that off', async (t) => {
  const { api } = await apiWithRunningJob(t);

  const coloured = await gpubatchOnTty(['events', '--job', 'job-1'], api.env);
  const plain = await gpubatchOnTty(['events', '--job', 'job-1'], { ...api.env, NO_COLOR: '1' });

  t.is(coloured.code, 0, coloured.output);
  t.true(coloured.output.includes(`${ESC}32mSUCCEEDED${ESC}0m  exit 0`), coloured.output);
  t.true(coloured.output.includes(`${ESC}36mRUNNING  ${ESC}0m  on node-a GPUs 0`), coloured.output);
  t.is(plain.code, 0, plain.output);
  t.false(plain.output.includes(ESC));
  t.regex(plain.output, /job-1 {2}SUCCEEDED {2}exit 0/);
});

/** Polls `condition`; the generous default covers starting the real binary on a busy machine. */
async function waitUntil(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
