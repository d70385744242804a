// gpubatch queues ls|describe|create|update against the API with an in-memory queue catalog.
import test, { type ExecutionContext } from 'ava';
import { startApi } from '../support/api-harness.ts';
import { gpubatch } from '../support/cli-harness.ts';
import { FakeQueueCatalog } from '../support/fake-queue-catalog.ts';

async function withQueues(t: ExecutionContext) {
  const catalog = new FakeQueueCatalog(['default']);
  const api = await startApi(t, { queueCatalog: catalog });
  const run = (...argv: string[]) => gpubatch(argv, { env: api.env });
  return { catalog, run };
}

test('create makes a queue with the settings named; describe and ls show them', async (t) => {
  const { catalog, run } = await withQueues(t);
  const created = await run('queues', 'create', 'night', '--priority=-5', '--max-concurrent-jobs', '3');
  t.is(created.code, 0, created.stderr);
  t.like(catalog.queues.get('night'), { priority: -5, maxConcurrentJobs: 3, state: 'ENABLED' });

  const described = await run('queues', 'describe', 'night');
  t.regex(described.stdout, /^Queue\s+night$/m);
  t.regex(described.stdout, /^Max concurrent jobs\s+3$/m);

  const listed = await run('queues', 'ls');
  t.deepEqual(
    listed.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s{2,}/)),
    [
      ['NAME', 'STATE', 'PRIORITY', 'COMPUTE ENV', 'MAX JOBS', 'MAX RUNNABLE'],
      ['default', 'ENABLED', '0', 'local', '-', '-'],
      ['night', 'ENABLED', '-5', 'local', '3', '-'],
    ],
  );
  t.deepEqual(
    JSON.parse((await run('queues', 'ls', '--json')).stdout).map((q: { name: string }) => q.name),
    ['default', 'night'],
  );
});

test('update changes only the settings named; none removes a limit', async (t) => {
  const { catalog, run } = await withQueues(t);
  await run('queues', 'update', 'default', '--max-concurrent-jobs', '2');
  const updated = await run(
    'queues',
    'update',
    'default',
    '--state',
    'disabled',
    '--max-concurrent-jobs',
    'none',
    '--json',
  );
  t.is(updated.code, 0, updated.stderr);
  t.like(JSON.parse(updated.stdout), { name: 'default', state: 'DISABLED', priority: 0 });
  t.false('maxConcurrentJobs' in catalog.queues.get('default')!);
});

test('bad settings are refused naming the option or the field', async (t) => {
  const { run } = await withQueues(t);
  const notANumber = await run('queues', 'create', 'q', '--priority', 'high');
  t.is(notANumber.code, 2);
  t.regex(notANumber.stderr, /--priority: expected a whole number, got "high"/);

  const outOfRange = await run('queues', 'update', 'default', '--priority', '5000');
  t.is(outOfRange.code, 2);
  t.regex(outOfRange.stderr, /priority: /);

  const nothing = await run('queues', 'update', 'default');
  t.is(nothing.code, 2);
  t.regex(nothing.stderr, /name at least one setting/);

  const unknown = await run('queues', 'describe', 'nope');
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /no queue named "nope"/);

  const badFlag = await run('queues', 'update', 'default', '--can-preempt', 'yes');
  t.regex(badFlag.stderr, /--can-preempt: expected true or false/);

  t.regex((await run('queues', 'rm', 'default')).stderr, /unknown subcommand "rm"/);
});
