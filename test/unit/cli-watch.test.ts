// gpubatch watch: a table with progress bars redrawn in place on a terminal, plain change lines elsewhere.
import test from 'ava';
import { aJobRecord, aValidatedJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';
import { gpubatch } from '../support/cli-harness.ts';
import { gpubatchOnTty, hasScript } from '../support/pseudo-tty.ts';

const ESC = '\x1b[';
const at = (seconds: number) => Date.UTC(2025, 0, 1, 12, 0, seconds);

function trainingJob(done: number) {
  return aJobRecord({
    id: 'job-1',
    spec: aValidatedJobSpec({ name: 'train', queue: 'gpu' }),
    status: 'RUNNING',
    statusReason: undefined,
    createdAt: at(0),
    progress: { done, total: 10, at: at(1) },
  });
}
const finishedJob = aJobRecord({
  id: 'job-0',
  spec: aValidatedJobSpec({ name: 'prep', queue: 'gpu' }),
  status: 'SUCCEEDED',
  statusReason: undefined,
  createdAt: at(0),
});

const ttyTest = hasScript ? test : test.skip;

ttyTest(
  'on a pseudo-terminal, --once draws the table with a coloured status and a progress bar',
  async (t) => {
    const api = await startApi(t);
    api.jobs.put(trainingJob(5));

    const run = await gpubatchOnTty(['watch', '--once'], api.env);

    t.is(run.code, 0, run.output);
    t.true(run.output.includes(`${ESC}36mRUNNING${ESC}0m`), 'the status in cyan');
    const plain = run.output.replaceAll(`${ESC}36m`, '').replaceAll(`${ESC}0m`, '');
    t.regex(plain, /job-1 +train +gpu +RUNNING +\[#####-----\] +50% +5\/10/);
    t.regex(run.output, /1 jobs: 1 running, 0 finished/);
  },
);

ttyTest('on a pseudo-terminal, watch redraws in place until every job has finished', async (t) => {
  const api = await startApi(t);
  api.jobs.put(trainingJob(5));
  // The job finishes after the CLI's second poll; it must then draw the final frame and exit by itself.
  const list = api.jobs.list.bind(api.jobs);
  let polls = 0;
  api.jobs.list = async (query) => {
    const page = await list(query);
    if (++polls === 2) api.jobs.put({ ...trainingJob(10), status: 'SUCCEEDED' });
    return page;
  };

  const run = await gpubatchOnTty(['watch', '--interval', '100'], api.env);

  t.is(run.code, 0, run.output);
  t.regex(run.output, /\[#####-----\] +50%/);
  t.true(run.output.includes(`${ESC}3A${ESC}J`), 'moves up over the 3-line frame and clears it');
  t.is(polls, 3);
  t.regex(run.output, /\[##########\] +100% +10\/10/);
  t.regex(run.output, /1 jobs: 0 running, 1 finished/);
});

ttyTest('NO_COLOR keeps the redraw but drops the colours', async (t) => {
  const api = await startApi(t);
  api.jobs.put(trainingJob(5));

  const run = await gpubatchOnTty(['watch', '--once'], { ...api.env, NO_COLOR: '1' });

  t.regex(run.output, /RUNNING +\[#####-----\]/);
  t.false(run.output.includes(`${ESC}36m`));
});

test('without a terminal, watch prints a plain line per new or changed job and stops when all finish', async (t) => {
  const api = await startApi(t);
  api.jobs.put(finishedJob);
  api.jobs.put(trainingJob(5));
  const later = [trainingJob(5), trainingJob(8), { ...trainingJob(10), status: 'SUCCEEDED' as const }];
  const sleeps: number[] = [];

  const run = await gpubatch(['watch', '--interval', '250'], {
    env: api.env,
    sleep: async (ms) => {
      sleeps.push(ms);
      const next = later.shift();
      if (next) api.jobs.put(next);
    },
  });

  t.is(run.code, 0, run.stderr);
  t.is(
    run.stdout,
    [
      'job-1 train RUNNING [#####-----]  50%  5/10',
      'job-0 prep SUCCEEDED',
      'job-1 train RUNNING [########--]  80%  8/10',
      'job-1 train SUCCEEDED [##########] 100%  10/10',
      '',
    ].join('\n'),
  );
  t.false(run.stdout.includes('\x1b'), 'no escape codes off a terminal');
  t.deepEqual(sleeps, [250, 250, 250]);
});

test('without a terminal, --once prints the plain table', async (t) => {
  const api = await startApi(t);
  api.jobs.put(trainingJob(5));

  const run = await gpubatch(['watch', '--once'], { env: api.env });

  t.is(
    run.stdout,
    [
      'ID     NAME   QUEUE  STATUS   PROGRESS',
      'job-1  train  gpu    RUNNING  [#####-----]  50%  5/10',
      '',
    ].join('\n'),
  );
});

test('a bad --interval names the flag; no matching jobs says so', async (t) => {
  const api = await startApi(t);
  const env = api.env;

  const bad = await gpubatch(['watch', '--interval', '5'], { env });
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--interval must be a whole number of milliseconds from 100, not "5"/);
  const none = await gpubatch(['watch', '--status', 'FAILED'], { env });
  t.is(none.code, 0);
  t.is(none.stderr, 'no jobs match\n');
});
