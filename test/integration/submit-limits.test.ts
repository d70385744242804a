// What a submission may not do, checked by the job service before anything is stored: params over
// their size, paths outside the data roots of the queue's compute environment (422 naming the field).
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { UnprocessableJobError } from '../../api/errors.ts';
import { ARRAY_INDEX_PLACEHOLDERS } from '../../api/schemas/array-spec.ts';
import { RedisJobService } from '../../scheduler/job-service.ts';
import { JobQueues } from '../../scheduler/store/job-queues.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { kernelJobSpec } from '../support/job-specs.ts';
import { redisForFile } from '../support/redis-server.ts';

const redis = redisForFile(test);

async function service(t: { teardown(fn: () => unknown): void }, options: { maxParamsBytes?: number } = {}) {
  const base = await mkdtemp(join(tmpdir(), 'gpubatch-limits-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const work = join(base, 'work');
  const shared = join(base, 'shared');
  await mkdir(work);
  await mkdir(shared);
  const store = new JobStore(redis.client, { prefix: `limits-${Math.random().toString(36).slice(2)}:` });
  const queues = new JobQueues(redis.client, ['default', 'batch']);
  t.teardown(() => queues.close());
  const preflighted: string[] = [];
  const jobs = new RedisJobService({
    store,
    queues,
    redis: redis.client,
    nodesForQueue: () => undefined,
    computeEnvironments: [
      { name: 'local', type: 'local', queues: ['default'] },
      { name: 'cluster', type: 'kubernetes', queues: ['batch'] },
    ],
    dataRoots: (environment) => (environment === 'cluster' ? [shared] : [work]),
    cwd: work,
    preflight: async (spec) => {
      preflighted.push(spec.input);
      return [];
    },
    ...options,
  });
  return { jobs, work, shared, base, preflighted };
}

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UnprocessableJobError) return error.problems;
    throw error;
  }
  throw new Error('the submission was accepted');
}

test('params over the limit are a 422 naming params; at the limit they are accepted', async (t) => {
  const { jobs } = await service(t, { maxParamsBytes: 1024 });
  const padding = (bytes: number) => ({ padding: 'x'.repeat(bytes - '{"padding":""}'.length) });

  const problems = await refusal(jobs.submit(kernelJobSpec({ params: padding(1025) })));
  const accepted = await jobs.submit(kernelJobSpec({ params: padding(1024) }));

  t.deepEqual(problems, [{ field: 'params', message: 'is 1025 bytes of JSON; at most 1024 are accepted' }]);
  t.true(accepted.created);
});

test('the default params limit is 64 KiB', async (t) => {
  const { jobs } = await service(t);
  const problems = await refusal(jobs.submit(kernelJobSpec({ params: { padding: 'x'.repeat(64 * 1024) } })));
  t.is(problems[0]?.field, 'params');
});

test("paths are checked against the roots of the queue's own compute environment", async (t) => {
  const { jobs, shared } = await service(t);

  const local = await refusal(jobs.submit(kernelJobSpec({ input: join(shared, 'in.npy') })));
  const cluster = await jobs.submit(
    kernelJobSpec({ queue: 'batch', input: join(shared, 'in.npy'), output: join(shared, 'out.npy') }),
  );

  t.deepEqual(
    local.map((p) => p.field),
    ['input'],
  );
  t.true(cluster.created);
});

test('a path outside is refused before the preflight opens any file', async (t) => {
  const { jobs, preflighted } = await service(t);
  const problems = await refusal(
    jobs.submit(kernelJobSpec({ input: '/etc/shadow.npy', output: '../out.npy' })),
  );
  t.deepEqual(
    problems.map((p) => p.field),
    ['input', 'output'],
  );
  t.deepEqual(preflighted, []);
});

test('a symlink in the root that leads outside is refused at submit; one that stays inside is fine', async (t) => {
  const { jobs, work, base } = await service(t);
  await writeFile(join(base, 'secret.npy'), '');
  await symlink(join(base, 'secret.npy'), join(work, 'escape.npy'));
  await writeFile(join(work, 'real.npy'), '');
  await symlink(join(work, 'real.npy'), join(work, 'alias.npy'));

  const problems = await refusal(jobs.submit(kernelJobSpec({ input: 'escape.npy' })));
  const inside = await jobs.submit(kernelJobSpec({ input: 'alias.npy' }));

  t.is(problems[0]?.field, 'input');
  t.regex(problems[0]?.message ?? '', /symbolic link/);
  t.true(inside.created);
});

test('a directory first named while missing, then made a symlink outside: the next job reading it is refused, unopened', async (t) => {
  const { jobs, work, base, preflighted } = await service(t);
  await mkdir(join(base, 'private'));
  await writeFile(join(base, 'private', 'data.npy'), '');
  t.true((await jobs.submit(kernelJobSpec({ output: 'x/out.npy' }))).created);
  await symlink(join(base, 'private'), join(work, 'x'));

  const input = await refusal(jobs.submit(kernelJobSpec({ input: 'x/data.npy' })));
  const output = await refusal(jobs.submit(kernelJobSpec({ output: 'x/out.npy' })));

  t.is(input[0]?.field, 'input');
  t.regex(input[0]?.message ?? '', /symbolic link/);
  t.is(output[0]?.field, 'output');
  t.false(preflighted.includes('x/data.npy'), 'the preflight never opened it');
});

test("an array job's paths are checked (its first child's)", async (t) => {
  const { jobs } = await service(t);
  const problems = await refusal(
    jobs.submit(kernelJobSpec({ arraySize: 3, output: `/tmp/out-${ARRAY_INDEX_PLACEHOLDERS[0]}.npy` })),
  );
  t.deepEqual(
    problems.map((p) => p.field),
    ['output'],
  );
});
