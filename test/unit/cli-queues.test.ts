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

test('a fair-share policy is set with its options; update keeps the parts not named; none removes it', async (t) => {
  const { catalog, run } = await withQueues(t);
  const created = await run(
    'queues',
    'create',
    'shared',
    '--share-weights',
    'a=2,b=0.5',
    '--compute-reservation',
    '25',
  );
  t.is(created.code, 0, created.stderr);
  t.deepEqual(catalog.queues.get('shared')!.fairSharePolicy, {
    shareWeights: { a: 2, b: 0.5 },
    shareDecaySeconds: 3600,
    computeReservation: 25,
  });
  t.regex(
    created.stdout,
    /^Fair share\s+weights a=2,b=0\.5, decay half-life 3600s, compute reservation 25%$/m,
  );

  const updated = await run('queues', 'update', 'shared', '--share-decay-seconds', '600', '--json');
  t.is(updated.code, 0, updated.stderr);
  t.deepEqual(JSON.parse(updated.stdout).fairSharePolicy, {
    shareWeights: { a: 2, b: 0.5 },
    shareDecaySeconds: 600,
    computeReservation: 25,
  });

  t.is((await run('queues', 'update', 'shared', '--fair-share', 'none')).code, 0);
  t.false('fairSharePolicy' in catalog.queues.get('shared')!);

  const badWeights = await run('queues', 'update', 'shared', '--share-weights', 'a:2');
  t.is(badWeights.code, 2);
  t.regex(badWeights.stderr, /--share-weights: expected share=weight/);
  const outOfRange = await run('queues', 'update', 'shared', '--compute-reservation', '100');
  t.is(outOfRange.code, 2);
  t.regex(outOfRange.stderr, /fairSharePolicy\.computeReservation/);
});
