// Disruptions through the real service and the fake Kubernetes API. Nodes lost mid-run (one NotReady for
// nodeLostSeconds, one deleted): their attempts end `lost` with a NODE_LOST reason, use no retry, and run
// again on the nodes left. A graceful scheduler restart: pods run on and are re-attached, not re-run.
import test from 'ava';
import type { PodScript } from '../support/fake-kube/index.ts';
import type { KubeObject } from '../support/fake-kube/resources.ts';
import { auditBindings } from '../support/kube-binding-audit.ts';
import { fakeRunnerScript } from '../support/kube-runner-script.ts';
import { kubeJob, kubeWorld, waitFor } from '../support/kube-service.ts';

const JOBS = 48;

function script(pod: KubeObject): PodScript | undefined {
  const base = fakeRunnerScript(pod);
  return base && { ...base, durationMs: 1500 };
}

test('attempts on a NotReady node and on a deleted node are lost (NODE_LOST) and run again elsewhere', async (t) => {
  const world = await kubeWorld(t, { nodes: 4, gpusPerNode: 8, script });
  const audit = auditBindings(world.kube);
  t.teardown(() => audit.stop());
  await world.startService();
  const ids = await world.submit(JOBS, (i) => kubeJob(i, 1));
  await waitFor(
    async () => (await world.statusCounts()).RUNNING === 32,
    20_000,
    async () => JSON.stringify(await world.statusCounts()),
  );
  world.kube.setNodeReady('gpu-0', false);
  world.kube.deleteNode('gpu-1');
  await waitFor(
    async () => {
      const counts = await world.statusCounts();
      return (counts.SUCCEEDED ?? 0) + (counts.FAILED ?? 0) === JOBS;
    },
    40_000,
    async () => JSON.stringify(await world.statusCounts()),
  );

  const records = await world.records(ids);
  t.true(
    records.every((r) => r.status === 'SUCCEEDED'),
    JSON.stringify(records.find((r) => r.status !== 'SUCCEEDED')?.events),
  );
  const lost = records.flatMap((r) => r.attempts.filter((a) => a.outcome === 'lost'));
  t.is(lost.length, 16, 'the 8 attempts running on each lost node');
  t.true(lost.every((a) => /NODE_LOST/.test(a.reason ?? '')));
  t.deepEqual([...new Set(lost.map((a) => a.placement.node))].sort(), ['gpu-0', 'gpu-1']);
  const rerun = records.filter((r) => r.attempts.some((a) => a.outcome === 'lost'));
  t.true(
    rerun.every((r) => ['gpu-2', 'gpu-3'].includes(r.attempts.at(-1)?.placement.node ?? '')),
    'run again on the nodes left',
  );
  t.true(
    records.every((r) => r.attempts.every((a) => a.outcome !== 'failed')),
    'a lost node is not a failed attempt',
  );
  t.deepEqual(audit.violations, []);
});

test('a graceful scheduler restart (SIGTERM) leaves pods running; the next leader re-attaches, none runs twice', async (t) => {
  const world = await kubeWorld(t, { nodes: 2, gpusPerNode: 8, script });
  const first = await world.startService();
  const ids = await world.submit(16, (i) => kubeJob(i, 1));
  await waitFor(
    async () => (await world.statusCounts()).RUNNING === 16,
    20_000,
    async () => JSON.stringify(await world.statusCounts()),
  );
  t.is(await first.stop('SIGTERM'), 0);
  t.is(world.kube.list('pods').length, 16, 'the pods outlive the scheduler');
  await world.startService();
  await waitFor(
    async () => (await world.statusCounts()).SUCCEEDED === 16,
    30_000,
    async () => JSON.stringify(await world.statusCounts()),
  );
  const records = await world.records(ids);
  t.true(
    records.every((r) => r.attempts.length === 1),
    'one attempt each: re-attached, not re-run',
  );
  t.is(world.kube.stats.count('create', 'pods'), 16);
});
