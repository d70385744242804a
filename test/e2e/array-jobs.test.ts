// An array job as a user runs it: the real service and CLI, the real runner and standardize kernel.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ARRAY_INDEX_PLACEHOLDERS } from '../../api/schemas/array-spec.ts';
import { npyBytes } from '../support/npy-fixtures.ts';
import { type TestRedis, testRedis } from '../support/redis-server.ts';
import { getJob, runCli, type ServiceProcess, startService } from '../support/service-process.ts';

let work: string;
let redis: TestRedis;
let service: ServiceProcess;

test.before(async () => {
  work = mkdtempSync(join(tmpdir(), 'gpubatch-arrays-'));
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
  redis = await testRedis();
  service = await startService({ cwd: work, redisUrl: redis.url, dataDir: join(work, '.gpubatch') });
});

test.after.always(async () => {
  await service?.stop();
  await redis?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test.serial(
  'submit --array-size 3 --max-concurrent 2 --wait: every child writes its own output',
  async (t) => {
    const run = await runCli(
      ['submit', 'sweep.yaml', '--array-size', '3', '--max-concurrent', '2', '--wait'],
      {
        cwd: work,
        url: service.url,
      },
    );
    t.is(run.code, 0, run.stderr);
    const id = run.stdout.trim().split('\n')[0]!;
    t.regex(run.stderr, new RegExp(`${id} SUCCEEDED.*: 3 of 3 children succeeded`));
    const outputs = [0, 1, 2].map((i) => join(work, `out/std-${i}.npy`));
    t.true(outputs.every((file) => existsSync(file)));
    const first = readFileSync(outputs[0]!);
    t.true(
      outputs.every((file) => readFileSync(file).equals(first)),
      'same input, same output',
    );
    const child = await getJob(service.url, `${id}:2`);
    t.is(child.result?.output, outputs[2]);

    const described = await runCli(['describe', id], { cwd: work, url: service.url });
    t.regex(described.stdout, /^Children +SUCCEEDED 3$/m);
  },
);
