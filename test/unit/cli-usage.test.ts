// Usage: --help, unknown commands and missing arguments name what is wrong; the real binary starts.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';
import { gpubatch } from '../support/cli-harness.ts';

test('--help prints the usage on stdout and exits 0', async (t) => {
  const run = await gpubatch(['--help']);

  t.is(run.code, 0);
  t.regex(run.stdout, /^Usage: gpubatch <command>/);
  for (const command of ['up', 'submit', 'describe', 'ls', 'cancel', 'terminate'])
    t.regex(run.stdout, new RegExp(`gpubatch ${command}`));
});

test('no command prints the usage on stderr and exits 2', async (t) => {
  const run = await gpubatch([]);

  t.is(run.code, 2);
  t.regex(run.stderr, /^Usage: gpubatch/);
});

test('an unknown command is named, with exit 2', async (t) => {
  const run = await gpubatch(['sumbit', 'x.yaml']);

  t.is(run.code, 2);
  t.regex(run.stderr, /^gpubatch: unknown command "sumbit"\n\nUsage:/);
});

const usageErrors = [
  { argv: ['submit'], message: 'gpubatch submit: missing <file>' },
  { argv: ['describe'], message: 'gpubatch describe: missing <id>' },
  { argv: ['cancel'], message: 'gpubatch cancel: missing <id>' },
  { argv: ['terminate'], message: 'gpubatch terminate: missing <id>' },
  { argv: ['describe', 'a', 'b'], message: 'gpubatch describe: unexpected argument "b"' },
  { argv: ['ls', '--colour'], message: "gpubatch ls: Unknown option '--colour'" },
  {
    argv: ['cancel', 'job-1', '--reason'],
    message: "gpubatch cancel: Option '--reason <value>' argument missing",
  },
];

for (const { argv, message } of usageErrors) {
  test(`\`gpubatch ${argv.join(' ')}\` says "${message}" and shows that command's usage, exit 2`, async (t) => {
    const run = await gpubatch(argv);

    t.is(run.code, 2);
    t.true(run.stderr.startsWith(`${message}\n\nUsage: gpubatch ${argv[0]}`), run.stderr);
  });
}

test('a command with --help prints only its usage', async (t) => {
  const run = await gpubatch(['submit', '--help']);

  t.is(run.code, 0);
  t.regex(run.stdout, /^gpubatch submit <file> \[--wait\] \[--json\]/);
});

test('a GPUBATCH_URL that is not a URL is named, with exit 2', async (t) => {
  const run = await gpubatch(['ls'], { env: { GPUBATCH_URL: 'localhost 8080' } });

  t.is(run.code, 2);
  t.is(run.stderr, 'gpubatch: GPUBATCH_URL is not a URL: localhost 8080\n');
});

test('the real `node cli/gpubatch.ts --help` prints the usage', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, ['cli/gpubatch.ts', '--help']);

  t.regex(stdout, /^Usage: gpubatch <command>/);
});

test('the real binary exits 2 on an unknown command', async (t) => {
  const error = await t.throwsAsync(promisify(execFile)(process.execPath, ['cli/gpubatch.ts', 'frobnicate']));

  t.is((error as unknown as { code: number }).code, 2);
});
