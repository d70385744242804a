// The real service and CLI: register a job definition, submit from it with a parameter, the kernel runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { createMatrix } from '../../kernels/matrix.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import { hasStatus, pollJob, serviceForFile } from '../support/service-process.ts';

const gpubatch = serviceForFile(test, {
  prefix: 'gpubatch-job-definitions-',
  prepare: async (work) => {
    mkdirSync(join(work, 'data'));
    await writeNpy(join(work, 'data/monday.npy'), createMatrix(8, 3));
    writeFileSync(
      join(work, 'definition.yaml'),
      [
        'name: standardize-day',
        'kind: kernel',
        'kernel: standardize',
        'input: data/Ref::day.npy',
        'output: out/Ref::day.npy',
        'parameters: { day: sunday }',
      ].join('\n'),
    );
  },
});

test.serial(
  'register, submit --definition --param, and the job SUCCEEDS on the substituted input',
  async (t) => {
    const registered = await gpubatch.cli('job-definitions', 'register', 'definition.yaml');
    const submitted = await gpubatch.cli(
      'submit',
      '--definition',
      'standardize-day',
      '--param',
      'day=monday',
    );

    t.is(registered.stdout, 'standardize-day:1\n', registered.stderr);
    t.is(submitted.code, 0, submitted.stderr);
    const job = await pollJob(gpubatch.service, submitted.stdout.trim(), hasStatus('SUCCEEDED'));
    t.is(job.jobDefinition, 'standardize-day:1');
    t.is(job.result?.output, join(gpubatch.work, 'out/monday.npy'));
  },
);

test.serial(
  'the default parameter names a file that does not exist: refused at submit by preflight (422)',
  async (t) => {
    const refused = await gpubatch.cli('submit', '--definition', 'standardize-day');

    t.is(refused.code, 2);
    t.regex(refused.stderr, /Unprocessable job \(422\)/);
    t.regex(refused.stderr, /sunday\.npy/);
  },
);
