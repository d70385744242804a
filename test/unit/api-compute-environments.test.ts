// GET /v1/compute-environments and GET /metrics: the pools with the leader's autoscaling signal.
import test from 'ava';
import { startApi } from '../support/api-harness.ts';

const pool = {
  name: 'gpu-pool',
  type: 'kubernetes' as const,
  queues: ['default', 'research'],
  nodes: 50,
  schedulableNodes: 48,
  gpus: 400,
  pendingJobs: 120,
  nodesWanted: 6,
  nodeShape: { gpus: 8, gpuModel: 'H100', cpuMilli: 64_000, memoryMiB: 524_288 },
  updatedAt: 1_700_000_000_000,
};

test('the compute environments are listed with their node counts and nodesWanted', async (t) => {
  const api = await startApi(t);
  api.jobs.environments = [pool, { name: 'local', type: 'local', queues: [] }];
  const { status, body } = await api.request('/v1/compute-environments');
  t.is(status, 200);
  t.deepEqual(body.computeEnvironments, [pool, { name: 'local', type: 'local', queues: [] }]);
});

test('/metrics exports the signal as Prometheus gauges, one series per pool with numbers', async (t) => {
  const api = await startApi(t);
  api.jobs.environments = [pool, { name: 'local', type: 'local', queues: [] }];
  const { status, contentType, body } = await api.request('/metrics');
  t.is(status, 200);
  t.regex(contentType, /^text\/plain/);
  t.true(body.includes('# TYPE gpubatch_pool_nodes_wanted gauge'));
  t.true(body.includes('gpubatch_pool_nodes_wanted{compute_environment="gpu-pool"} 6'));
  t.true(body.includes('gpubatch_pool_schedulable_nodes{compute_environment="gpu-pool"} 48'));
  t.false(body.includes('compute_environment="local"'), 'no numbers published for it: no series');
});
