// GET /v1/jobs/:id/logs on Kubernetes: the attempt's pod log through the service, followed while the
// attempt runs, and still readable after it ended (finished pods are kept for a while).
import test from 'ava';
import type { PodScript } from '../support/fake-kube/index.ts';
import type { KubeObject } from '../support/fake-kube/resources.ts';
import { fakeRunnerScript } from '../support/kube-runner-script.ts';
import { kubeJob, kubeWorld, waitFor } from '../support/kube-service.ts';
import { hasStatus, pollJob } from '../support/service-process.ts';

const LINES = ['loading matrix', 'standardizing', 'writing output', 'done'];

function script(pod: KubeObject): PodScript | undefined {
  const base = fakeRunnerScript(pod);
  return base && { ...base, durationMs: 1500, logs: LINES };
}

test("a running attempt's log is followed to its end, and read again after the job finished", async (t) => {
  const world = await kubeWorld(t, { nodes: 1, gpusPerNode: 8, script, retentionSeconds: 300 });
  await world.startService();
  const [id] = await world.submit(1, (i) => kubeJob(i, 1));
  await pollJob(world.service(), id!, hasStatus('RUNNING'), 20_000);

  const followed = await world.service().fetch(`/v1/jobs/${id}/logs?follow=true`);
  t.is(followed.status, 200);
  const text = await followed.text(); // ends when the container exits
  t.deepEqual(text.trim().split('\n'), LINES);
  await pollJob(world.service(), id!, hasStatus('SUCCEEDED'), 20_000);

  const after = await world.service().fetch(`/v1/jobs/${id}/logs?tailLines=1`);
  t.is(after.status, 200);
  t.is((await after.text()).trim(), 'done');
  await waitFor(
    async () => world.kube.list('pods').length === 1,
    1000,
    async () => 'the finished pod is kept for its logs',
  );
  t.pass();
});

test('split roles: an API-only process serves pod logs and the pool numbers the scheduler process publishes', async (t) => {
  const world = await kubeWorld(t, { nodes: 1, gpusPerNode: 8, script, retentionSeconds: 300 });
  await world.startService('scheduler');
  const api = await world.startService('api');
  const [id] = await world.submit(1, (i) => kubeJob(i, 1));
  await pollJob(api, id!, hasStatus('SUCCEEDED'), 20_000);
  const logs = await api.fetch(`/v1/jobs/${id}/logs`);
  t.is(logs.status, 200);
  t.deepEqual((await logs.text()).trim().split('\n'), LINES);
  await waitFor(
    async () => {
      const body = (await (await api.fetch(`/v1/compute-environments`)).json()) as {
        computeEnvironments: Array<{ name: string; nodes?: number }>;
      };
      return body.computeEnvironments.find((ce) => ce.name === 'pool')?.nodes === 1;
    },
    10_000,
    async () => 'the leader publishes the pool within 5 s',
  );
  t.pass();
});
