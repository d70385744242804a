// An array job as a user runs it: the real service and CLI, the real runner and standardize kernel.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { ARRAY_INDEX_PLACEHOLDERS } from '../../api/schemas/array-spec.ts';
import { npyBytes } from '../support/npy-fixtures.ts';
import { getJob, serviceForFile } from '../support/service-process.ts';

const gpubatch = serviceForFile(test, {
  prefix: 'gpubatch-arrays-',
  prepare: (work) => {
    writeFileSync(
      join(work, 'in.npy'),
      npyBytes({ shape: '(4, 3)', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13] }),
    );
    writeFileSync(
      join(work, 'sweep.yaml'),
      [
        'name: std-sweep',
        'kind: kernel',
        'kernel: standardize',
        'input: in.npy',
        `output: out/std-${ARRAY_INDEX_PLACEHOLDERS[0]}.npy`,
        'resources: { cpuMilli: 100, memoryMiB: 64 }',
        '',
      ].join('\n'),
    );
  },
});

test.serial(
  'submit --array-size 3 --max-concurrent 2 --wait: every child writes its own output',
  async (t) => {
    const run = await gpubatch.cli(
      'submit',
      'sweep.yaml',
      '--array-size',
      '3',
      '--max-concurrent',
      '2',
      '--wait',
    );
    t.is(run.code, 0, run.stderr);
    const id = run.stdout.trim().split('\n')[0]!;
    t.regex(run.stderr, new RegExp(`${id} SUCCEEDED.*: 3 of 3 children succeeded`));
    const outputs = [0, 1, 2].map((i) => join(gpubatch.work, `out/std-${i}.npy`));
    t.true(outputs.every((file) => existsSync(file)));
    const first = readFileSync(outputs[0]!);
    t.true(
      outputs.every((file) => readFileSync(file).equals(first)),
      'same input, same output',
    );
    const child = await getJob(gpubatch.service, `${id}:2`);
    t.is(child.result?.output, outputs[2]);

    const described = await gpubatch.cli('describe', id);
    t.regex(described.stdout, /^Children +SUCCEEDED 3$/m);
  },
);
