// The real service and CLI: register a job definition, submit from it with a parameter, the kernel runs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { createMatrix } from '../../kernels/matrix.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import { type TestRedis, testRedis } from '../support/redis-server.ts';
import { hasStatus, pollJob, runCli, type ServiceProcess, startService } from '../support/service-process.ts';

let work: string;
let redis: TestRedis;
let service: ServiceProcess;

test.before(async () => {
  work = mkdtempSync(join(tmpdir(), 'gpubatch-job-definitions-'));
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
  redis = await testRedis();
  service = await startService({ cwd: work, redisUrl: redis.url, dataDir: join(work, '.gpubatch') });
});

test.after.always(async () => {
  await service?.stop();
  await redis?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test.serial(
  'register, submit --definition --param, and the job SUCCEEDS on the substituted input',
  async (t) => {
    const cli = (...args: string[]) => runCli(args, { cwd: work, url: service.url });

    const registered = await cli('job-definitions', 'register', 'definition.yaml');
    const submitted = await cli('submit', '--definition', 'standardize-day', '--param', 'day=monday');

    t.is(registered.stdout, 'standardize-day:1\n', registered.stderr);
    t.is(submitted.code, 0, submitted.stderr);
    const job = await pollJob(service.url, submitted.stdout.trim(), hasStatus('SUCCEEDED'));
    t.is(job.jobDefinition, 'standardize-day:1');
    t.is(job.result?.output, join(work, 'out/monday.npy'));
  },
);

test.serial(
  'the default parameter names a file that does not exist: refused at submit by preflight (422)',
  async (t) => {
    const refused = await runCli(['submit', '--definition', 'standardize-day'], {
      cwd: work,
      url: service.url,
    });

    t.is(refused.code, 2);
    t.regex(refused.stderr, /Unprocessable job \(422\)/);
    t.regex(refused.stderr, /sunday\.npy/);
  },
);
