// gpubatch describe, ls, cancel and terminate against the API over the fake job service.
import test from 'ava';
import { aJobRecord, aValidatedJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';
import { gpubatch } from '../support/cli-harness.ts';
import { FakeJobService } from '../support/fake-job-service.ts';

const at = (seconds: number) => Date.UTC(2025, 0, 1, 12, 0, seconds);

const retriedJob = aJobRecord({
  id: 'job-7',
  spec: aValidatedJobSpec({ name: 'embed', queue: 'gpu', resources: { gpus: 2 }, retry: { attempts: 3 } }),
  status: 'SUCCEEDED',
  statusReason: 'all rows written',
  createdAt: at(0),
  startedAt: at(2),
  stoppedAt: at(30),
  attempts: [
    {
      number: 1,
      placement: { node: 'node-a', gpuIndices: [0, 1], gpuMilliPerGpu: 1000 },
      startedAt: at(2),
      stoppedAt: at(10),
      backend: 'gpu.js:webgl',
      outcome: 'lost',
      reason: 'node lost',
    },
    {
      number: 2,
      placement: { node: 'node-b', gpuIndices: [3, 4], gpuMilliPerGpu: 1000 },
      computeEnvironment: 'spill',
      startedAt: at(12),
      stoppedAt: at(30),
      backend: 'gpu.js:webgl',
      outcome: 'succeeded',
    },
  ],
  progress: { done: 1000, total: 1000, at: at(30) },
  result: { backend: 'gpu.js:webgl', output: '/data/embeddings.npy', rows: 1000 },
});

test('describe shows status, placement, backend, output, timings and every attempt', async (t) => {
  const api = await startApi(t);
  api.jobs.put(retriedJob);

  const run = await gpubatch(['describe', 'job-7'], { env: api.env });

  t.is(run.code, 0);
  t.is(
    run.stdout,
    [
      'Job        job-7  (embed)',
      'Queue      gpu  priority 0',
      'Kind       kernel  saxpy',
      'Status     SUCCEEDED: all rows written',
      'Resources  2 GPUs, 1 CPU, 1024 MiB',
      'Placement  node-b (spill)  GPUs 3,4',
      'Backend    gpu.js:webgl',
      'Progress   [####################] 100%  1000/1000',
      'Input      /data/in.npy',
      'Output     /data/embeddings.npy  (1000 rows)',
      'Created    2025-01-01 12:00:00Z',
      'Started    2025-01-01 12:00:02Z  (waited 2.0s)',
      'Stopped    2025-01-01 12:00:30Z  (ran 28.0s)',
      'Attempts (2 of 3)',
      '  #1  node-a  GPUs 0,1  gpu.js:webgl  2025-01-01 12:00:02Z -> 2025-01-01 12:00:10Z (8.0s)  lost: node lost',
      '  #2  node-b (spill)  GPUs 3,4  gpu.js:webgl  2025-01-01 12:00:12Z -> 2025-01-01 12:00:30Z (18.0s)  succeeded',
      '',
    ].join('\n'),
  );
});

test('describe of a job still waiting says what it is waiting for', async (t) => {
  const api = await startApi(t);
  api.jobs.put(
    aJobRecord({ id: 'job-1', status: 'RUNNABLE', statusReason: 'Unschedulable: insufficient GPUs' }),
  );

  const run = await gpubatch(['describe', 'job-1'], { env: api.env });

  t.regex(run.stdout, /^Status {5}RUNNABLE: Unschedulable: insufficient GPUs$/m);
  t.regex(run.stdout, /^Placement {2}not placed yet$/m);
  t.regex(run.stdout, /^Output {5}\/data\/out\.npy {2}\(not written yet\)$/m);
  t.regex(run.stdout, /^Attempts {2}none yet$/m);
});

test('describe of a waiting job shows when it should start and what would help', async (t) => {
  const api = await startApi(t);
  api.jobs.put(
    aJobRecord({
      id: 'job-1',
      status: 'RUNNABLE',
      statusReason: 'needs 4 GPUs, largest free on any node is 2',
      estimatedStartAt: Date.UTC(2025, 0, 1, 13, 0, 0),
      suggestions: ['fits now with gpuModel any', 'needs 4 GPUs on one node; 3 nodes have 2'],
    }),
  );

  const run = await gpubatch(['describe', 'job-1'], { env: api.env });

  t.regex(run.stdout, /^Expected {3}to start 2025-01-01 13:00:00Z$/m);
  t.regex(run.stdout, /^Sooner if {2}fits now with gpuModel any$/m);
  t.regex(run.stdout, /^ {11}needs 4 GPUs on one node; 3 nodes have 2$/m);
});

test('describe of a job waiting out a retry backoff says when its next attempt may start', async (t) => {
  const api = await startApi(t);
  api.jobs.put(
    aJobRecord({
      id: 'job-1',
      status: 'RUNNABLE',
      statusReason: 'attempt 1 failed: INTERNAL: boom; retrying in 30 s (backoff) (1 of 3 attempts used)',
      notBefore: at(40),
    }),
  );

  const run = await gpubatch(['describe', 'job-1'], { env: api.env });

  t.regex(run.stdout, /^Backoff {4}next attempt not before 2025-01-01 12:00:40Z$/m);
});

test('describe --json prints the record', async (t) => {
  const api = await startApi(t);
  api.jobs.put(retriedJob);

  const run = await gpubatch(['describe', 'job-7', '--json'], { env: api.env });

  t.deepEqual(JSON.parse(run.stdout), retriedJob);
});

test('describe of an unknown job prints the 404 problem and exits 2', async (t) => {
  const api = await startApi(t);

  const run = await gpubatch(['describe', 'nope'], { env: api.env });

  t.is(run.code, 2);
  t.is(run.stderr, 'gpubatch: Not found (404): no job with id "nope"\n');
});

test('ls prints a table, newest first, and how to get the next page', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'job-1', createdAt: at(1), status: 'SUCCEEDED' }));
  api.jobs.put(
    aJobRecord({ id: 'job-2', createdAt: at(2), status: 'RUNNING', progress: { done: 1, total: 4, at: 0 } }),
  );
  api.jobs.put(aJobRecord({ id: 'job-3', createdAt: at(3) }));

  const run = await gpubatch(['ls', '--limit', '2'], { env: api.env });

  t.is(run.code, 0);
  t.is(
    run.stdout,
    [
      'ID     NAME         QUEUE    KIND    STATUS    PROGRESS  CREATED',
      'job-3  saxpy-small  default  kernel  RUNNABLE            2025-01-01 12:00:03Z',
      'job-2  saxpy-small  default  kernel  RUNNING   25%       2025-01-01 12:00:02Z',
      '',
    ].join('\n'),
  );
  const cursor = /--cursor (\S+)/.exec(run.stderr)?.[1];
  t.truthy(cursor);
  const next = await gpubatch(['ls', '--limit', '2', '--cursor', cursor!, '--json'], {
    env: api.env,
  });
  t.deepEqual(
    JSON.parse(next.stdout).jobs.map((job: { id: string }) => job.id),
    ['job-1'],
  );
});

test('ls passes --queue and --status to the server', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'job-1', status: 'FAILED' }));
  api.jobs.put(aJobRecord({ id: 'job-2', status: 'RUNNING' }));

  const run = await gpubatch(['ls', '--queue', 'default', '--status', 'FAILED', '--json'], {
    env: api.env,
  });

  t.deepEqual(
    JSON.parse(run.stdout).jobs.map((job: { id: string }) => job.id),
    ['job-1'],
  );
});

test('ls passes the name, share and creation-time filters and repeats them in the next-page hint', async (t) => {
  const api = await startApi(t);
  const job = (id: string, name: string, seconds: number, share: string) =>
    api.jobs.put(
      aJobRecord({
        id,
        createdAt: at(seconds),
        spec: { ...aJobRecord().spec, name, shareIdentifier: share },
      }),
    );
  job('job-1', 'train-1', 1, 'vision');
  job('job-2', 'train-2', 2, 'vision');
  job('job-3', 'eval-3', 3, 'vision');
  job('job-4', 'train-4', 4, 'nlp');
  job('job-5', 'train-5', 5, 'vision');
  const filters = ['--name', 'train*', '--share', 'vision', '--created-after', '2025-01-01T12:00:01Z'];

  const run = await gpubatch(['ls', ...filters, '--limit', '1', '--json'], {
    env: api.env,
  });
  const table = await gpubatch(['ls', ...filters, '--limit', '1'], { env: api.env });

  t.deepEqual(
    JSON.parse(run.stdout).jobs.map((job: { id: string }) => job.id),
    ['job-5'],
  );
  const cursor = JSON.parse(run.stdout).nextCursor;
  t.truthy(cursor);
  t.regex(table.stderr, new RegExp(`^next cursor: ${cursor}$`, 'm'));
  t.regex(
    table.stderr,
    new RegExp(
      `^more: gpubatch ls --name 'train\\*' --share vision --created-after 2025-01-01T12:00:01Z --limit 1 --cursor ${cursor}$`,
      'm',
    ),
  );
});

test('ls --all follows the cursors to the last page', async (t) => {
  const api = await startApi(t);
  for (let i = 1; i <= 7; i++) api.jobs.put(aJobRecord({ id: `job-${i}`, createdAt: at(i) }));

  const run = await gpubatch(['ls', '--all', '--limit', '3', '--json'], { env: api.env });

  const page = JSON.parse(run.stdout);
  t.deepEqual(
    page.jobs.map((job: { id: string }) => job.id),
    ['job-7', 'job-6', 'job-5', 'job-4', 'job-3', 'job-2', 'job-1'],
  );
  t.is(page.nextCursor, undefined);
});

test('ls with a bad creation time prints the server error naming the parameter and exits 2', async (t) => {
  const api = await startApi(t);

  const run = await gpubatch(['ls', '--created-before', 'last tuesday'], { env: api.env });

  t.is(run.code, 2);
  t.regex(run.stderr, /^ {2}- createdBefore: not epoch milliseconds or an ISO 8601 date-time/m);
});

test('ls with a status the server does not know prints the field error and exits 2', async (t) => {
  const api = await startApi(t);

  const run = await gpubatch(['ls', '--status', 'DONE'], { env: api.env });

  t.is(run.code, 2);
  t.regex(run.stderr, /^ {2}- status: Invalid option/m);
});

test('cancel prints the new status and reason', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'job-1', status: 'RUNNABLE' }));

  const run = await gpubatch(['cancel', 'job-1', '--reason', 'wrong model'], {
    env: api.env,
  });

  t.is(run.code, 0);
  t.is(run.stdout, 'job-1 FAILED: cancelled: wrong model\n');
});

test('cancel of a running job prints the conflict, which says to terminate, and exits 2', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'job-1', status: 'RUNNING' }));

  const run = await gpubatch(['cancel', 'job-1'], { env: api.env });

  t.is(run.code, 2);
  t.regex(
    run.stderr,
    /^gpubatch: Conflict \(409\): job job-1 is RUNNING: cancel stops only jobs that have not started/,
  );
});

test('terminate of a running job says the terminate was requested, since the attempt stops later', async (t) => {
  const api = await startApi(t, { jobs: new FakeJobService({ now: () => at(5) }) });
  api.jobs.put(aJobRecord({ id: 'job-1', status: 'RUNNING', statusReason: 'on node-a' }));

  const terminate = await gpubatch(['terminate', 'job-1', '--reason', 'oops'], {
    env: api.env,
  });
  const describe = await gpubatch(['describe', 'job-1'], { env: api.env });

  t.is(terminate.code, 0);
  t.is(terminate.stdout, 'job-1 RUNNING: terminate requested (oops); the attempt is being stopped\n');
  t.regex(describe.stdout, /^Terminate {2}requested 2025-01-01 12:00:05Z: oops$/m);
});

test('terminate of a waiting job prints its FAILED status at once', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'job-1', status: 'RUNNABLE' }));

  const run = await gpubatch(['terminate', 'job-1', '--json'], { env: api.env });

  t.is(run.code, 0);
  t.like(JSON.parse(run.stdout), { status: 'FAILED', isTerminated: true });
});

test('cancel of a finished job prints the conflict and exits 2', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'job-1', status: 'SUCCEEDED' }));

  const run = await gpubatch(['cancel', 'job-1'], { env: api.env });

  t.is(run.code, 2);
  t.is(run.stderr, 'gpubatch: Conflict (409): job job-1 is already SUCCEEDED\n');
});

test('a 5xx from the server exits 1', async (t) => {
  const api = await startApi(t, { logError: () => {} });
  api.jobs.get = async () => {
    throw new Error('boom');
  };

  const run = await gpubatch(['describe', 'job-1'], { env: api.env });

  t.is(run.code, 1);
  t.regex(run.stderr, /Internal server error \(500\)/);
});
