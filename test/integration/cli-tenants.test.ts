// gpubatch tenants ls|describe|set against the API with tenants' settings in a real Redis.
import test, { type ExecutionContext } from 'ava';
import { TenantStore } from '../../scheduler/store/tenant-store.ts';
import { startApi } from '../support/api-harness.ts';
import { gpubatch } from '../support/cli-harness.ts';
import { FakeJobService } from '../support/fake-job-service.ts';
import { redisForFile } from '../support/redis-server.ts';

const redis = redisForFile(test);
let prefixes = 0;

async function withTenants(t: ExecutionContext) {
  const tenants = new TenantStore(redis.client, { prefix: `cli-tenants-${prefixes++}` });
  const api = await startApi(t, { tenants, jobs: new FakeJobService({ queues: ['gpu', 'cpu'] }) });
  const run = (...argv: string[]) => gpubatch(argv, { env: api.env });
  return { tenants, run };
}

test('set stores the options named and keeps the others; ls and describe show them', async (t) => {
  const { tenants, run } = await withTenants(t);
  const set = await run('tenants', 'set', 'team-a', '--queues', 'gpu,cpu', '--max-queued', '10');
  t.is(set.code, 0, set.stderr);
  t.like(await tenants.settings('team-a'), { queues: ['gpu', 'cpu'], maxQueuedJobs: 10 });
  t.regex(set.stdout, /^Max queued jobs\s+10$/m);

  await run('tenants', 'set', 'team-a', '--max-queued', '3');
  t.like(await tenants.settings('team-a'), { queues: ['gpu', 'cpu'], maxQueuedJobs: 3 }, 'queues kept');
  await run('tenants', 'set', 'team-b', '--queues', 'cpu');

  const listed = await run('tenants', 'ls');
  t.deepEqual(
    listed.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s{2,}/)),
    [
      ['NAME', 'QUEUES', 'MAX QUEUED', 'QUEUED'],
      ['team-a', 'gpu,cpu', '3', '0'],
      ['team-b', 'cpu', '-', '0'],
    ],
  );
  t.like(JSON.parse((await run('tenants', 'describe', 'team-b', '--json')).stdout), {
    name: 'team-b',
    queues: ['cpu'],
    queuedJobs: 0,
  });

  await run('tenants', 'set', 'team-a', '--queues', 'all', '--max-queued', 'none');
  const cleared = await tenants.settings('team-a');
  t.is(cleared.queues, undefined);
  t.is(cleared.maxQueuedJobs, undefined);
});

test('bad options name the flag; an unknown queue names the field', async (t) => {
  const { run } = await withTenants(t);
  const nothing = await run('tenants', 'set', 'team-a');
  t.is(nothing.code, 2);
  t.regex(nothing.stderr, /--queues, --max-queued/);
  const negative = await run('tenants', 'set', 'team-a', '--max-queued=-1');
  t.regex(negative.stderr, /--max-queued: expected a whole number or "none"/);
  const empty = await run('tenants', 'set', 'team-a', '--queues', 'gpu,');
  t.regex(empty.stderr, /--queues: expected a,b,\.\.\. or "all"/);
  const unknown = await run('tenants', 'set', 'team-a', '--queues', 'gpux');
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /queues\[0\]: no queue named "gpux"/);
});
