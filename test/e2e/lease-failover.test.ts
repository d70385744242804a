// The promise, end to end with the production timings: two `up --role scheduler` processes elect
// a leader through a Kubernetes Lease (on the fake API server), the leader is killed (SIGKILL: no
// hand-over), and the standby takes the Lease within 15 s of the death and leads.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { V1MicroTime } from '@kubernetes/client-node';
import test, { type ExecutionContext } from 'ava';
import { clientsFor } from '../support/fake-kube/clients.ts';
import { startFakeKube } from '../support/fake-kube/index.ts';
import { testRedis } from '../support/redis-server.ts';
import { type ServiceProcess, startService } from '../support/service-process.ts';

async function cluster(t: ExecutionContext) {
  const work = mkdtempSync(join(tmpdir(), 'gpubatch-lease-'));
  const kube = await startFakeKube({ kubelet: false, namespace: 'gpubatch' });
  const redis = await testRedis();
  const started: ServiceProcess[] = [];
  t.teardown(async () => {
    await Promise.all(started.map((service) => service.stop('SIGKILL')));
    await kube.stop();
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  });
  writeFileSync(join(work, 'kubeconfig'), kube.kubeconfig);
  writeFileSync(join(work, 'gpubatch.yaml'), 'leaderElection: { type: kubernetes-lease }\n');
  const scheduler = async (pod: string, readyLine: string) => {
    const service = await startService({
      cwd: work,
      redisUrl: redis.url,
      dataDir: join(work, '.gpubatch'),
      args: ['--role', 'scheduler'],
      readyLine,
      env: {
        GPUBATCH_CONFIG: join(work, 'gpubatch.yaml'),
        KUBECONFIG: join(work, 'kubeconfig'),
        POD_NAME: pod,
        POD_NAMESPACE: 'gpubatch',
      },
    });
    started.push(service);
    return service;
  };
  return { scheduler, coordination: clientsFor(kube.kubeconfig).coordination };
}

test('with the default Lease timings, a standby scheduler leads within 15 s of the leader being killed', async (t) => {
  t.timeout(120_000); // two service starts on a loaded machine, then up to 15 s of failover
  const { scheduler, coordination } = await cluster(t);
  const leader = await scheduler('scheduler-a', 'scheduler is leader');
  const standby = await scheduler('scheduler-b', 'standing by');

  const killedAt = Date.now();
  await leader.stop('SIGKILL');
  let tookLeaseAt: number | undefined;
  while (!standby.output().includes('scheduler is leader') && Date.now() - killedAt < 20_000) {
    if (tookLeaseAt === undefined && standby.output().includes('took the Lease')) tookLeaseAt = Date.now();
    await new Promise((r) => setTimeout(r, 50));
  }
  const ledAt = Date.now();
  const lease = await coordination.readNamespacedLease({ name: 'gpubatch-scheduler', namespace: 'gpubatch' });

  t.regex(lease.spec?.holderIdentity ?? '', /^scheduler-b_/);
  t.true(standby.output().includes('scheduler is leader'), standby.output());
  t.log(
    `standby took the Lease ${(tookLeaseAt ?? ledAt) - killedAt} ms and led ${ledAt - killedAt} ms after the kill`,
  );
  t.true(ledAt - killedAt <= 15_000, `led ${ledAt - killedAt} ms after the kill`);
});

test('a scheduler process that finds another holder on the Lease steps down and exits 1, to restart as a standby', async (t) => {
  t.timeout(90_000);
  const { scheduler, coordination } = await cluster(t);
  const leader = await scheduler('scheduler-a', 'scheduler is leader');
  const exited = new Promise<number | null>((resolve) => leader.child.once('exit', resolve));

  // Another process wrote the Lease (as a takeover after a partition would look to the old holder).
  const lease = await coordination.readNamespacedLease({ name: 'gpubatch-scheduler', namespace: 'gpubatch' });
  const now = new V1MicroTime();
  await coordination.replaceNamespacedLease({
    name: 'gpubatch-scheduler',
    namespace: 'gpubatch',
    body: { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', acquireTime: now, renewTime: now } },
  });

  t.is(await exited, 1);
  t.regex(leader.output(), /lost leadership: another scheduler holds the Lease/);
  t.regex(leader.output(), /stepped down: shutting down/);
});
