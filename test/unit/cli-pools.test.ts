// gpubatch pools: each compute environment's GPUs as a map of cells, with totals and nodesWanted.
import test from 'ava';
import { startApi } from '../support/api-harness.ts';
import { gpubatch } from '../support/cli-harness.ts';
import { FakeJobService } from '../support/fake-job-service.ts';

test('pools draws one line per node, one cell per GPU, with the totals and the nodes wanted', async (t) => {
  const jobs = new FakeJobService();
  jobs.environments = [
    {
      name: 'gpu',
      type: 'kubernetes',
      queues: ['default'],
      state: 'ENABLED',
      pendingJobs: 3,
      nodesWanted: 1,
      nodeShape: { gpus: 4, gpuModel: 'H100', cpuMilli: 64_000, memoryMiB: 524_288 },
      gpuUse: [
        { node: 'gpu-node-0', usedMilli: [1000, 1000, 500, 0] },
        { node: 'gpu-node-1', unschedulable: true, usedMilli: [0, 0, 0, 0] },
      ],
    },
    { name: 'spare', type: 'local', queues: [] },
  ];
  const api = await startApi(t, { jobs });

  const run = await gpubatch(['pools'], { env: api.env });

  t.is(run.code, 0, run.stderr);
  t.is(
    run.stdout,
    [
      'gpu (kubernetes, ENABLED): 2 nodes, 8 GPUs: 2 in use, 1 partly, 5 free; 3 jobs waiting, 1 node wanted (4x H100)',
      '  gpu-node-0  ■ ■ ◧ □',
      '  gpu-node-1  □ □ □ □  (takes no new work)',
      '',
      'spare (local, ENABLED): no GPU map yet (the scheduler leader has not published one)',
      '',
      '■ in use  ◧ partly in use (shared)  □ free',
      '',
    ].join('\n'),
  );
});

test('pools --json prints the compute environments with their gpuUse', async (t) => {
  const jobs = new FakeJobService();
  jobs.environments = [
    { name: 'gpu', type: 'local', queues: [], gpuUse: [{ node: 'local', usedMilli: [250] }] },
  ];
  const api = await startApi(t, { jobs });

  const run = await gpubatch(['pools', '--json'], { env: api.env });

  t.deepEqual(JSON.parse(run.stdout)[0].gpuUse, [{ node: 'local', usedMilli: [250] }]);
});
