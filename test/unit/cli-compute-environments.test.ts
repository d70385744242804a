// gpubatch compute-environments ls|describe|update against the API; the catalog writes into the fake
// job service's view, as the real settings store feeds the real one.
import test, { type ExecutionContext } from 'ava';
import type { ComputeEnvironmentCatalog } from '../../api/compute-environment-catalog.ts';
import { startApi } from '../support/api-harness.ts';
import { gpubatch } from '../support/cli-harness.ts';
import { FakeJobService } from '../support/fake-job-service.ts';

async function withPool(t: ExecutionContext) {
  const jobs = new FakeJobService();
  jobs.environments = [{ name: 'gpu', type: 'kubernetes', queues: ['default'], state: 'ENABLED', nodes: 3 }];
  const patches: unknown[] = [];
  const catalog: ComputeEnvironmentCatalog = {
    get: async (name) => (name === 'gpu' ? { name, state: 'ENABLED' } : undefined),
    update: async (name, patch) => {
      if (name !== 'gpu') return undefined;
      patches.push(patch);
      const view = jobs.environments[0]!;
      if (patch.state) view.state = patch.state;
      if (patch.maxNodes === null) delete view.maxNodes;
      else if (patch.maxNodes !== undefined) view.maxNodes = patch.maxNodes;
      return {
        name,
        state: view.state ?? 'ENABLED',
        ...(view.maxNodes === undefined ? {} : { maxNodes: view.maxNodes }),
      };
    },
  };
  const api = await startApi(t, { jobs, computeEnvironmentCatalog: catalog });
  const run = (...argv: string[]) => gpubatch(argv, { env: api.env });
  return { run, patches };
}

test('update sends the state and maxNodes named and prints the pool as changed', async (t) => {
  const { run, patches } = await withPool(t);
  const updated = await run(
    'compute-environments',
    'update',
    'gpu',
    '--state',
    'disabled',
    '--max-nodes',
    '2',
  );
  t.is(updated.code, 0, updated.stderr);
  t.deepEqual(patches, [{ state: 'DISABLED', maxNodes: 2 }]);
  t.regex(updated.stdout, /^State\s+DISABLED$/m);
  t.regex(updated.stdout, /^Max nodes\s+2$/m);

  await run('compute-environments', 'update', 'gpu', '--max-nodes', 'none');
  t.deepEqual(patches.at(-1), { maxNodes: null });
  const listed = await run('compute-environments', 'ls');
  t.deepEqual(
    listed.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s{2,}/)),
    [
      ['NAME', 'TYPE', 'STATE', 'MAX NODES', 'NODES', 'QUEUES'],
      ['gpu', 'kubernetes', 'DISABLED', '-', '3', 'default'],
    ],
  );
});

test('bad values and unknown pools are refused naming what is wrong', async (t) => {
  const { run } = await withPool(t);
  const bad = await run('compute-environments', 'update', 'gpu', '--max-nodes', 'many');
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--max-nodes: expected a whole number or "none", got "many"/);
  const state = await run('compute-environments', 'update', 'gpu', '--state', 'paused');
  t.is(state.code, 2);
  t.regex(state.stderr, /state: /);
  const unknown = await run('compute-environments', 'describe', 'cpu');
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /no compute environment named "cpu"/);
  t.regex(
    (await run('compute-environments', 'update', 'gpu')).stderr,
    /name --state, --max-nodes or --min-nodes/,
  );
});

test('create sends a simulated compute environment from --nodes shapes; a bad shape names the option', async (t) => {
  const jobs = new FakeJobService();
  const created: unknown[] = [];
  const catalog: ComputeEnvironmentCatalog = {
    get: async () => undefined,
    update: async () => undefined,
    create: async (definition) => {
      created.push(definition);
      jobs.environments.push({ name: definition.name, type: 'simulated', queues: [], state: 'ENABLED' });
      return true;
    },
  };
  const api = await startApi(t, { jobs, computeEnvironmentCatalog: catalog });
  const run = (...argv: string[]) => gpubatch(argv, { env: api.env });
  const done = await run(
    'compute-environments',
    'create',
    'demo',
    '--nodes',
    '2x8xH100,1x0',
    '--default-seconds',
    '5',
  );
  t.is(done.code, 0, done.stderr);
  t.like(created[0], {
    name: 'demo',
    type: 'simulated',
    defaultSeconds: 5,
    nodes: [
      { count: 2, gpus: 8, gpuModel: 'H100' },
      { count: 1, gpus: 0 },
    ],
  });
  const bad = await run('compute-environments', 'create', 'x', '--nodes', 'eight');
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--nodes: expected <count>x<gpus>\[x<model>\]/);
  const missing = await run('compute-environments', 'create', 'x');
  t.is(missing.code, 2);
  t.regex(missing.stderr, /--nodes is required/);
});
