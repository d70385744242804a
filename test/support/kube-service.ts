// The real service (`gpubatch up`, a child process) on a Kubernetes compute environment that is the fake
// API server of this test process, plus the bits the Kubernetes end-to-end tests share.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { createMatrix } from '../../kernels/matrix.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import type { JobRecord, JobStatus } from '../../scheduler/job-record.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { type FakeKube, gpuNode, type PodScript, startFakeKube } from './fake-kube/index.ts';
import type { KubeObject } from './fake-kube/resources.ts';
import { fakeRunnerScript } from './kube-runner-script.ts';
import { testRedis } from './redis-server.ts';
import { type ServiceProcess, startService } from './service-process.ts';

export interface KubeWorld {
  kube: FakeKube;
  store: JobStore;
  work: string;
  /** Starts a service process: all roles (resolves once it leads), or one role as the manifests run it. */
  startService(role?: 'api' | 'scheduler'): Promise<ServiceProcess>;
  /** The latest service (its API, with its admin token: `service().fetch(path)`, pollJob(service(), ...)). */
  service(): ServiceProcess;
  submit(count: number, body: (i: number) => Record<string, unknown>): Promise<string[]>;
  statusCounts(): Promise<Partial<Record<JobStatus, number>>>;
  records(ids: string[]): Promise<JobRecord[]>;
}

export async function kubeWorld(
  t: ExecutionContext,
  options: {
    nodes: number;
    gpusPerNode: number;
    script?: (pod: KubeObject) => PodScript | undefined;
    /** finishedPodRetentionSeconds (default 0: pods go as soon as their outcome is recorded). */
    retentionSeconds?: number;
  },
): Promise<KubeWorld> {
  const work = mkdtempSync(join(tmpdir(), 'gpubatch-kube-'));
  const redis = await testRedis();
  const kube = await startFakeKube({
    kubelet: { msPerSecond: 10, startDelayMs: 5, script: options.script ?? fakeRunnerScript },
    historyLimit: 100_000,
  });
  const client = connect(redis.url, { name: 'test-reader' });
  const store = new JobStore(client);
  const services: ServiceProcess[] = [];
  t.teardown(async () => {
    for (const service of services) await service.stop('SIGKILL');
    client.disconnect();
    await kube.stop();
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  });
  for (let i = 0; i < options.nodes; i++)
    kube.add('nodes', gpuNode(`gpu-${i}`, { gpus: options.gpusPerNode, labels: { pool: 'gpu' } }));
  writeFileSync(join(work, 'kubeconfig'), kube.kubeconfig);
  await writeNpy(join(work, 'matrix.npy'), createMatrix(4, 3));
  const config = join(work, 'gpubatch.yaml');
  writeFileSync(
    config,
    [
      'queues: [{ name: default, computeEnvironment: pool }]',
      'computeEnvironments:',
      '  - name: pool',
      '    type: kubernetes',
      `    kubeconfigPath: ${join(work, 'kubeconfig')}`,
      '    image: gpubatch:test',
      '    nodeSelector: { pool: gpu }',
      '    nodeLostSeconds: 1',
      `    finishedPodRetentionSeconds: ${options.retentionSeconds ?? 0}`,
      'failover: { leaderTtlSeconds: 2, attemptLockSeconds: 2 }',
      '',
    ].join('\n'),
  );
  return {
    kube,
    store,
    work,
    startService: async (role) => {
      const service = await startService({
        cwd: work,
        redisUrl: redis.url,
        dataDir: join(work, '.gpubatch'),
        // These tests submit up to 1,000 jobs as fast as one token can: the per-token rate limit (tested in
        // api-hardening) would turn that into a test of the limiter.
        env: { GPUBATCH_CONFIG: config, GPUBATCH_RATE_LIMIT_RPS: '0' },
        ...(role ? { args: ['--role', role] } : {}),
        ...(role === 'api' ? { readyLine: 'API listening' } : {}),
      });
      services.push(service);
      return service;
    },
    service: () => {
      const service = services.at(-1);
      if (!service) throw new Error('start a service first');
      return service;
    },
    submit: async (count, body) => {
      const service = services.at(-1);
      if (!service) throw new Error('start a service first');
      const ids: string[] = new Array(count);
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const i = next++;
          const response = await services.at(-1)!.fetch('/v1/jobs', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body(i)),
          });
          if (response.status !== 201)
            throw new Error(`submit ${i}: HTTP ${response.status} ${await response.text()}`);
          ids[i] = ((await response.json()) as { id: string }).id;
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      return ids;
    },
    statusCounts: async () => {
      const counts: Partial<Record<JobStatus, number>> = {};
      for (const status of ['RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const)
        counts[status] = (await store.idsInStatus([status])).length;
      return counts;
    },
    records: async (ids) =>
      (await Promise.all(ids.map((id) => store.get(id)))).filter((r) => r !== undefined),
  };
}

/** A kernel job for the fake runner: whole GPUs, runs `durationMs` on the fake kubelet. */
export function kubeJob(i: number, gpus: number): Record<string, unknown> {
  return {
    name: `job-${i}`,
    kind: 'kernel',
    kernel: 'standardize',
    input: 'matrix.npy',
    output: `out/${i}.npy`,
    resources: { gpus, cpuMilli: 500, memoryMiB: 512 },
    timeoutSeconds: 3600,
  };
}

export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: () => Promise<string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${await what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
