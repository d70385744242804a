// gpubatch logs: streams an attempt's log to stdout, passes the options on, and explains a missing log source.
import type { Writable } from 'node:stream';
import test from 'ava';
import type { JobLogs, LogOptions } from '../../api/job-logs.ts';
import { startApi } from '../support/api-harness.ts';
import { gpubatch } from '../support/cli-harness.ts';
import { kernelJobSpec } from '../support/job-specs.ts';

const placement = { node: 'gpu-1', gpuIndices: [0], gpuMilliPerGpu: 1000 };

/** A log that arrives in two pieces, the second after a pause, as a followed pod log does. */
function slowLogs(): JobLogs & { asked: Array<{ attempt: number; options: LogOptions }> } {
  const asked: Array<{ attempt: number; options: LogOptions }> = [];
  return {
    asked,
    async stream(jobId, attempt, options, out: Writable) {
      asked.push({ attempt, options });
      out.write(`${jobId} attempt ${attempt}: starting\n`);
      const timer = setTimeout(() => out.end('rows 0..99 done\n'), 50);
      return () => clearTimeout(timer);
    },
  };
}

async function runningJob(api: Awaited<ReturnType<typeof startApi>>) {
  const { job } = await api.jobs.submit(kernelJobSpec());
  api.jobs.update(job.id, {
    status: 'RUNNING',
    attempts: [
      { number: 1, placement, startedAt: 1, stoppedAt: 2, outcome: 'failed' },
      { number: 2, placement, startedAt: 3 },
    ],
  });
  return job.id;
}

test('logs -f streams the whole log to stdout and passes follow, attempt and tail on', async (t) => {
  const logs = slowLogs();
  const api = await startApi(t, { logs });
  const id = await runningJob(api);

  const run = await gpubatch(['logs', id, '-f', '--attempt', '1', '--tail', '20'], {
    env: api.env,
  });

  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, `${id} attempt 1: starting\nrows 0..99 done\n`);
  t.deepEqual(logs.asked, [{ attempt: 1, options: { follow: true, tailLines: 20 } }]);
});

test('logs without options asks for the latest attempt, not followed', async (t) => {
  const logs = slowLogs();
  const api = await startApi(t, { logs });
  const id = await runningJob(api);

  const run = await gpubatch(['logs', id], { env: api.env });

  t.is(run.code, 0, run.stderr);
  t.deepEqual(logs.asked, [{ attempt: 2, options: { follow: false, tailLines: undefined } }]);
});

test('on the local executor (501) logs says why there is no log and where the output went, exit 2', async (t) => {
  const api = await startApi(t);
  const id = await runningJob(api);

  const run = await gpubatch(['logs', id], { env: api.env });

  t.is(run.code, 2);
  t.is(run.stdout, '');
  t.regex(run.stderr, /keeps no job logs: its executor is the local one/);
  t.regex(run.stderr, /service's own log/);
});

test('an unknown job or attempt is the server 404; a bad --tail names the flag', async (t) => {
  const api = await startApi(t, { logs: slowLogs() });
  const id = await runningJob(api);
  const env = api.env;

  const unknown = await gpubatch(['logs', 'nope'], { env });
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /no job with id "nope"/);
  const noAttempt = await gpubatch(['logs', id, '--attempt', '3'], { env });
  t.regex(noAttempt.stderr, /has 2 attempt\(s\), not 3/);
  const badTail = await gpubatch(['logs', id, '--tail', 'ten'], { env });
  t.is(badTail.code, 2);
  t.regex(badTail.stderr, /--tail must be a whole number from 1, not "ten"/);
});
