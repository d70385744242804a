// gpubatch submit: local validation with file and field named, path resolution, --json, --wait exit codes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { UnprocessableJobError } from '../../api/errors.ts';
import { startApi } from '../support/api-harness.ts';
import { gpubatch } from '../support/cli-harness.ts';

const validYaml = `
name: saxpy-small
kind: kernel
kernel: saxpy
input: data/in.npy
output: /abs/out.npy
resources:
  gpus: 1
`;

/** A temporary directory holding `files`, used as the CLI's cwd. */
async function workspace(t: ExecutionContext, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gpubatch-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

test('submit prints the job id and sends input/output/model as absolute paths', async (t) => {
  const api = await startApi(t);
  const cwd = await workspace(t, { 'job.yaml': validYaml });

  const run = await gpubatch(['submit', 'job.yaml'], { cwd, env: api.env });

  t.is(run.code, 0);
  t.is(run.stdout, 'job-000001\n');
  t.like(api.jobs.submitted[0], {
    input: join(cwd, 'data/in.npy'),
    output: '/abs/out.npy',
    resources: { gpus: 1 },
  });
});

test('submit reads JSON files too, and --json prints the record', async (t) => {
  const api = await startApi(t);
  const cwd = await workspace(t, {
    'job.json': JSON.stringify({
      name: 'infer',
      kind: 'inference',
      model: 'm.onnx',
      input: 'a',
      output: 'b',
    }),
  });

  const run = await gpubatch(['submit', 'job.json', '--json'], { cwd, env: api.env });

  t.is(run.code, 0);
  t.like(JSON.parse(run.stdout), {
    id: 'job-000001',
    spec: { kind: 'inference', model: join(cwd, 'm.onnx') },
  });
});

test('an invalid spec is rejected locally, naming the file and each field, with exit 2', async (t) => {
  const api = await startApi(t);
  const cwd = await workspace(t, { 'x.yaml': validYaml.replace('gpus: 1', 'gpus: 800\n  gpuMilli: -1') });

  const run = await gpubatch(['submit', 'x.yaml'], { cwd, env: api.env });

  t.is(run.code, 2);
  t.is(
    run.stderr,
    [
      'gpubatch: x.yaml: resources.gpus: Too big: expected number to be <=64',
      'x.yaml: resources.gpuMilli: Too small: expected number to be >=0',
      '',
    ].join('\n'),
  );
  t.is(api.jobs.submitted.length, 0);
});

test('invalid YAML is reported with the line and column', async (t) => {
  const cwd = await workspace(t, { 'broken.yaml': 'name: x\nkind: [kernel\n' });

  const run = await gpubatch(['submit', 'broken.yaml'], { cwd });

  t.is(run.code, 2);
  t.regex(run.stderr, /^gpubatch: broken\.yaml:\d+:\d+: invalid YAML: /);
});

test('a missing file is named, with exit 2', async (t) => {
  const cwd = await workspace(t, {});

  const run = await gpubatch(['submit', 'nope.yaml'], { cwd });

  t.is(run.code, 2);
  t.is(run.stderr, 'gpubatch: cannot read nope.yaml: no such file\n');
});

test('a problem from the server is printed with its field errors, with exit 2', async (t) => {
  const api = await startApi(t);
  api.jobs.rejectSubmitsWith(
    new UnprocessableJobError('no node has 1 GPU', [
      { field: 'resources.gpus', message: 'largest node has 0 GPUs' },
    ]),
  );
  const cwd = await workspace(t, { 'job.yaml': validYaml });

  const run = await gpubatch(['submit', 'job.yaml'], { cwd, env: api.env });

  t.is(run.code, 2);
  t.is(
    run.stderr,
    'gpubatch: Unprocessable job (422): no node has 1 GPU\n  - resources.gpus: largest node has 0 GPUs\n',
  );
});

test('an unreachable server gives a clear message naming the URL, with exit 1', async (t) => {
  const cwd = await workspace(t, { 'job.yaml': validYaml });
  const refuse = async () => {
    throw new TypeError('fetch failed');
  };

  const run = await gpubatch(['submit', 'job.yaml'], {
    cwd,
    fetch: refuse,
    env: { GPUBATCH_URL: 'http://gpu-box:9000' },
  });

  t.is(run.code, 1);
  t.is(
    run.stderr,
    'gpubatch: cannot reach gpubatch at http://gpu-box:9000: is `npm start` running? set GPUBATCH_URL to point elsewhere\n',
  );
});

test('the token from GPUBATCH_TOKEN is sent as a bearer token', async (t) => {
  const api = await startApi(t);
  const cwd = await workspace(t, { 'job.yaml': validYaml });

  const withToken = await gpubatch(['submit', 'job.yaml'], {
    cwd,
    env: { GPUBATCH_URL: api.url, GPUBATCH_TOKEN: api.token },
  });
  const without = await gpubatch(['submit', 'job.yaml'], { cwd, env: { GPUBATCH_URL: api.url } });

  t.is(withToken.code, 0);
  t.is(without.code, 2);
  t.regex(without.stderr, /Unauthorized \(401\)/);
  t.regex(without.stderr, /no token was found\. The CLI looks for a token in: --token, GPUBATCH_TOKEN, /);
});

test('--wait prints each status change and exits 0 when the job succeeds', async (t) => {
  const api = await startApi(t);
  const cwd = await workspace(t, { 'job.yaml': validYaml });
  api.jobs.whenPolled('job-000001', [
    { status: 'RUNNABLE', statusReason: 'queued' },
    { status: 'RUNNING', statusReason: 'on node-a', progress: { done: 5, total: 10, at: 0 } },
    { status: 'RUNNING', statusReason: 'on node-a', progress: { done: 9, total: 10, at: 0 } },
    {
      status: 'SUCCEEDED',
      statusReason: 'done',
      startedAt: 1000,
      stoppedAt: 3500,
      result: { backend: 'gpu.js:cpu', output: '/abs/out.npy', rows: 10 },
    },
  ]);

  const run = await gpubatch(['submit', 'job.yaml', '--wait'], { cwd, env: api.env });

  t.is(run.code, 0);
  t.is(run.stdout, 'job-000001\n');
  t.is(
    run.stderr,
    [
      'job-000001 RUNNABLE: queued',
      'job-000001 RUNNING: on node-a',
      'job-000001 SUCCEEDED: done',
      'job-000001 SUCCEEDED in 2.5s: output /abs/out.npy (10 rows)',
      '',
    ].join('\n'),
  );
});

test('--wait exits 1 and prints the reason when the job fails', async (t) => {
  const api = await startApi(t);
  const cwd = await workspace(t, { 'job.yaml': validYaml });
  api.jobs.whenPolled('job-000001', [
    { status: 'FAILED', statusReason: 'kernel saxpy: input has 3 dims, want 1' },
  ]);

  const run = await gpubatch(['submit', 'job.yaml', '--wait'], { cwd, env: api.env });

  t.is(run.code, 1);
  t.regex(run.stderr, /job-000001 FAILED: kernel saxpy: input has 3 dims, want 1\n$/);
});

test('--wait on a terminal draws a progress bar in place', async (t) => {
  const api = await startApi(t);
  const cwd = await workspace(t, { 'job.yaml': validYaml });
  api.jobs.whenPolled('job-000001', [
    { status: 'RUNNING', progress: { done: 5, total: 10, at: 0 } },
    { status: 'SUCCEEDED', progress: { done: 10, total: 10, at: 0 } },
  ]);

  const run = await gpubatch(['submit', 'job.yaml', '--wait'], {
    cwd,
    isTTY: true,
    env: api.env,
  });

  t.is(run.code, 0);
  t.true(run.stderr.includes('\r\x1b[2Kjob-000001 RUNNING  [##########----------]  50%  5/10'));
  t.true(run.stderr.includes('\r\x1b[2Kjob-000001 SUCCEEDED  [####################] 100%  10/10\n'));
});

test('--wait --json prints the final record on stdout', async (t) => {
  const api = await startApi(t);
  const cwd = await workspace(t, { 'job.yaml': validYaml });
  api.jobs.whenPolled('job-000001', [{ status: 'SUCCEEDED', statusReason: 'done' }]);

  const run = await gpubatch(['submit', 'job.yaml', '--wait', '--json'], {
    cwd,
    env: api.env,
  });

  t.is(run.code, 0);
  t.like(JSON.parse(run.stdout), { id: 'job-000001', status: 'SUCCEEDED' });
});

test('--wait keeps waiting while the server restarts, then reports the end', async (t) => {
  const api = await startApi(t);
  const cwd = await workspace(t, { 'job.yaml': validYaml });
  api.jobs.whenPolled('job-000001', [{ status: 'SUCCEEDED', statusReason: 'done' }]);
  let outagePolls = 3;
  const flakyFetch: typeof fetch = async (input, init) => {
    const isPoll = (init?.method ?? 'GET') === 'GET';
    if (isPoll && outagePolls-- > 0) throw new TypeError('fetch failed');
    return fetch(input, init);
  };

  const run = await gpubatch(['submit', 'job.yaml', '--wait'], {
    cwd,
    fetch: flakyFetch,
    env: api.env,
  });

  t.is(run.code, 0);
  t.regex(run.stderr, /job-000001: server not answering; still waiting\n/);
  t.regex(run.stderr, /job-000001 SUCCEEDED: done/);
});

test('--wait gives up with exit 1 when the server stays away', async (t) => {
  const api = await startApi(t);
  const cwd = await workspace(t, { 'job.yaml': validYaml });
  const downAfterSubmit: typeof fetch = async (input, init) => {
    if ((init?.method ?? 'GET') === 'GET') throw new TypeError('fetch failed');
    return fetch(input, init);
  };

  const run = await gpubatch(['submit', 'job.yaml', '--wait'], {
    cwd,
    fetch: downAfterSubmit,
    env: api.env,
  });

  t.is(run.code, 1);
  t.regex(run.stderr, /cannot reach gpubatch/);
});
