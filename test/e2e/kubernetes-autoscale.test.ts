// The autoscaling signal through the real service on the fake Kubernetes API: waiting whole-node jobs ask
// for one node each; once the nodes join the pool the jobs run and the signal drops to zero.
import test from 'ava';
import { gpuNode, type PodScript } from '../support/fake-kube/index.ts';
import type { KubeObject } from '../support/fake-kube/resources.ts';
import { fakeRunnerScript } from '../support/kube-runner-script.ts';
import { kubeJob, kubeWorld, waitFor } from '../support/kube-service.ts';

function script(pod: KubeObject): PodScript | undefined {
  const base = fakeRunnerScript(pod);
  return base && { ...base, durationMs: 30_000 };
}

interface Pool {
  name: string;
  nodes?: number;
  pendingJobs?: number;
  nodesWanted?: number | null;
}

test('nodesWanted counts the nodes the waiting jobs need, in the API and /metrics, and drops when they join', async (t) => {
  const world = await kubeWorld(t, { nodes: 2, gpusPerNode: 8, script });
  await world.startService();
  await world.submit(5, (i) => kubeJob(i, 8));
  const pool = async (): Promise<Pool | undefined> => {
    const response = await world.service().fetch(`/v1/compute-environments`);
    const body = (await response.json()) as { computeEnvironments: Pool[] };
    return body.computeEnvironments.find((ce) => ce.name === 'pool');
  };
  await waitFor(
    async () => (await pool())?.nodesWanted === 3,
    15_000,
    async () => JSON.stringify(await pool()),
  );
  t.like(await pool(), { nodes: 2, pendingJobs: 3 });
  const metrics = await (await world.service().fetch(`/metrics`)).text();
  t.true(metrics.includes('gpubatch_pool_nodes_wanted{compute_environment="pool"} 3'));

  for (let i = 2; i < 5; i++)
    world.kube.add('nodes', gpuNode(`gpu-${i}`, { gpus: 8, labels: { pool: 'gpu' } }));
  await waitFor(
    async () => (await pool())?.nodesWanted === 0,
    15_000,
    async () => JSON.stringify(await pool()),
  );
  t.like(await pool(), { nodes: 5 });
  t.is((await world.statusCounts()).RUNNABLE, 0);
});
