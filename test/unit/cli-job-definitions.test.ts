// gpubatch job-definitions register|ls|describe|deregister and submit --definition, against the API harness.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { startApi } from '../support/api-harness.ts';
import { gpubatch } from '../support/cli-harness.ts';

const definitionYaml = `
name: daily
kind: kernel
kernel: standardize
input: data/Ref::day/in.npy
output: Ref::out
parameters:
  day: "2025-01-01"
  out: /results/out.npy
resources:
  gpuMilli: 500
`;

async function workspace(t: ExecutionContext, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gpubatch-defs-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function withDefinition(t: ExecutionContext) {
  const api = await startApi(t);
  const cwd = await workspace(t, { 'daily.yaml': definitionYaml });
  const env = api.env;
  const run = (...argv: string[]) => gpubatch(argv, { cwd, env });
  return { api, cwd, run };
}

test('register prints name:revision; relative paths are made absolute, whole placeholders are kept', async (t) => {
  const { api, cwd, run } = await withDefinition(t);

  const first = await run('job-definitions', 'register', 'daily.yaml');
  const second = await run('job-definitions', 'register', 'daily.yaml');

  t.is(first.code, 0);
  t.is(first.stdout, 'daily:1\n');
  t.is(second.stdout, 'daily:2\n');
  t.like(await api.definitions.get('daily', 1), {
    input: join(cwd, 'data/Ref::day/in.npy'),
    output: 'Ref::out',
  });
});

test('an invalid definition file names the file and each field, with exit 2', async (t) => {
  const api = await startApi(t);
  const cwd = await workspace(t, {
    'bad.yaml': 'name: x\nkind: kernel\ninput: a\noutput: b\nparameters: {n: 3}\n',
  });

  const run = await gpubatch(['job-definitions', 'register', 'bad.yaml'], {
    cwd,
    env: api.env,
  });

  t.is(run.code, 2);
  t.is(run.stderr, 'gpubatch: bad.yaml: parameters.n: Invalid input: expected string, received number\n');
});

test('ls lists revisions newest first; describe shows one revision or all of a name', async (t) => {
  const { run } = await withDefinition(t);
  await run('job-definitions', 'register', 'daily.yaml');
  await run('job-definitions', 'register', 'daily.yaml');

  const ls = await run('job-definitions', 'ls');
  const one = await run('job-definitions', 'describe', 'daily:1');
  const all = await run('job-definitions', 'describe', 'daily');

  t.is(ls.code, 0);
  const lines = ls.stdout.trim().split('\n');
  t.regex(lines[0]!, /^DEFINITION\s+STATUS\s+RUNS\s+PARAMETERS\s+REGISTERED$/);
  t.regex(lines[1]!, /^daily:2\s+ACTIVE\s+kernel standardize\s+day,out\s+/);
  t.regex(lines[2]!, /^daily:1\s+ACTIVE/);
  t.regex(one.stdout, /^Definition\s+daily:1\n/);
  t.regex(one.stdout, /Parameters\s+day=2025-01-01 out=\/results\/out\.npy/);
  t.regex(one.stdout, /Resources\s+gpuMilli 500/);
  t.deepEqual(
    [...all.stdout.matchAll(/^Definition\s+(\S+)$/gm)].map((m) => m[1]),
    ['daily:2', 'daily:1'],
  );
});

test('deregister needs name:revision and prints the INACTIVE revision', async (t) => {
  const { run } = await withDefinition(t);
  await run('job-definitions', 'register', 'daily.yaml');

  const bare = await run('job-definitions', 'deregister', 'daily');
  const done = await run('job-definitions', 'deregister', 'daily:1');
  const unknown = await run('job-definitions', 'deregister', 'daily:7');

  t.is(bare.code, 2);
  t.regex(bare.stderr, /^gpubatch job-definitions: expected name:revision, e\.g\. "resize:3", got "daily"\n/);
  t.is(done.stdout, 'daily:1 INACTIVE\n');
  t.is(unknown.code, 2);
  t.is(unknown.stderr, 'gpubatch: Not found (404): no job definition daily:7\n');
});

test('submit --definition with --param sends the definition and the parameters; no file needed', async (t) => {
  const { api, run } = await withDefinition(t);
  await run('job-definitions', 'register', 'daily.yaml');

  const submitted = await run(
    'submit',
    '--definition',
    'daily',
    '--param',
    'day=2025-03-04',
    '--param',
    'out=/r/x=y.npy',
  );

  t.is(submitted.code, 0);
  t.is(submitted.stdout, 'job-000001\n');
  t.like(api.jobs.submitted[0], { name: 'daily', output: '/r/x=y.npy', resources: { gpuMilli: 500 } });
  t.true(api.jobs.submitted[0]!.input.endsWith('/data/2025-03-04/in.npy'));
  t.is((await api.jobs.get('job-000001'))?.jobDefinition, 'daily:1');
});

test('submit --definition of an INACTIVE revision prints the 422 naming jobDefinition, exit 2', async (t) => {
  const { run } = await withDefinition(t);
  await run('job-definitions', 'register', 'daily.yaml');
  await run('job-definitions', 'deregister', 'daily:1');

  const refused = await run('submit', '--definition', 'daily:1');

  t.is(refused.code, 2);
  t.regex(
    refused.stderr,
    /^gpubatch: Unprocessable job \(422\): jobDefinition: job definition daily:1 is INACTIVE/,
  );
  t.regex(refused.stderr, /\n {2}- jobDefinition: /);
});

test('bad --definition and --param values name the option; --param without --definition is a usage error', async (t) => {
  const badRef = await gpubatch(['submit', '--definition', 'daily:x']);
  const badParam = await gpubatch(['submit', '--definition', 'daily', '--param', 'novalue']);
  const badName = await gpubatch(['submit', '--definition', 'daily', '--param', 'a-b=1']);
  const stray = await gpubatch(['submit', 'job.yaml', '--param', 'a=1']);

  t.is(badRef.code, 2);
  t.regex(badRef.stderr, /^gpubatch: submit: --definition: a job definition name, or name:revision/);
  t.regex(badParam.stderr, /^gpubatch submit: --param: expected name=value, got "novalue"/);
  t.regex(badName.stderr, /^gpubatch: submit: --param a-b: parameter names are letters, digits and "_"/);
  t.regex(stray.stderr, /^gpubatch submit: --param, --name and --queue go with --definition/);
});

test('job-definitions without or with an unknown subcommand is a usage error naming the known ones', async (t) => {
  const missing = await gpubatch(['job-definitions']);
  const unknown = await gpubatch(['job-definitions', 'remove']);

  t.is(missing.code, 2);
  t.regex(
    missing.stderr,
    /^gpubatch job-definitions: missing <subcommand> \(register, ls, describe, deregister\)/,
  );
  t.regex(unknown.stderr, /^gpubatch job-definitions: unknown subcommand "remove"; known: register/);
});

test('examples/standardize-definition.yaml registers, and a submission from it names the example data', async (t) => {
  const api = await startApi(t);
  const repo = join(import.meta.dirname, '../..');
  const env = api.env;

  const registered = await gpubatch(['job-definitions', 'register', 'examples/standardize-definition.yaml'], {
    cwd: repo,
    env,
  });
  const submitted = await gpubatch(['submit', '--definition', 'standardize-example'], { cwd: repo, env });

  t.is(registered.stdout, 'standardize-example:1\n');
  t.is(submitted.code, 0);
  t.like(api.jobs.submitted[0], {
    input: join(repo, 'examples/data/matrix.npy'),
    output: join(repo, '.gpubatch/outputs/matrix-standardized.npy'),
  });
});
