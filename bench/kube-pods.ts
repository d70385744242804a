// `npm run bench -- kube [--json] [--pods N] [--rounds R]`: how fast the Kubernetes executor gets pods
// bound, against the fake API server and kubelet (test/support/fake-kube) through the real client-node.
// Baseline, in the same process and alternating with it: bare createNamespacedPod calls of the same pod
// manifests with the same concurrency bound and a plain informer watching them (the watch stream is part
// of the cost either way), without the executor's bookkeeping. The executor should cost
// little beyond the baseline: that says the API (here: the fake, sharing this process's CPU) is the limit.
import { CoreV1Api, KubeConfig, makeInformer, type V1Pod } from '@kubernetes/client-node';
import type { AttemptRequest } from '../runner/protocol.ts';
import type { Placement } from '../scheduler/core/types.ts';
import { KubernetesExecutor } from '../scheduler/executors/kubernetes/kubernetes-executor.ts';
import { Limiter } from '../scheduler/executors/kubernetes/limiter.ts';
import { type PodSettings, podManifest } from '../scheduler/executors/kubernetes/pod-manifest.ts';
import { type FakeKube, gpuNode, startFakeKube } from '../test/support/fake-kube/index.ts';
import { kernelJobSpec } from '../test/support/job-specs.ts';
import { machineDescription } from './machine.ts';

const NODES = 50;
const CONCURRENCY = 32;

export interface KubeBenchOptions {
  pods: number;
  rounds: number;
}

export interface KubeBenchRound {
  round: number;
  /** Bare creates (with a plain informer open): pods accepted by the API per second. */
  barePodsPerSec: number;
  /** Executor: pods created (bound) per second, from the first run() call to the last create answered. */
  executorPodsPerSec: number;
  /** Executor: pods seen Running through its informer per second (create + kubelet + watch). */
  executorRunningPerSec: number;
}

export interface KubeBenchResult {
  machine: string;
  pods: number;
  nodes: number;
  concurrency: number;
  rounds: KubeBenchRound[];
  /** Pod list requests during the executor rounds (informer starts only, never per pod). */
  podLists: number;
}

export function kubeBenchOptions(argv: string[]): KubeBenchOptions {
  const value = (flag: string, fallback: number) => {
    const index = argv.indexOf(flag);
    const parsed = index >= 0 ? Number(argv[index + 1]) : fallback;
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${flag}: expected a positive integer`);
    return parsed;
  };
  return { pods: value('--pods', 2000), rounds: value('--rounds', 3) };
}

const settings: PodSettings = {
  namespace: 'default',
  image: 'gpubatch:bench',
  imagePullPolicy: 'IfNotPresent',
  gpuSharing: false,
  tolerations: [],
  terminationGraceSeconds: 30,
};

function attempt(round: number, i: number, kind: string): { request: AttemptRequest; placement: Placement } {
  const jobId = `${kind}-${round}-${i}`;
  return {
    request: {
      jobId,
      attempt: 1,
      spec: kernelJobSpec({ timeoutSeconds: 3600 }),
      cwd: '/data',
      gpuIndices: [],
    },
    // CPU-only and small, so every pod is admitted by the fake kubelet whatever the round.
    placement: {
      jobId,
      node: `gpu-${i % NODES}`,
      gpuIndices: [],
      gpuMilliPerGpu: 0,
      cpuMilli: 10,
      memoryMiB: 16,
    },
  };
}

async function clear(kube: FakeKube, core: CoreV1Api): Promise<void> {
  await core.deleteCollectionNamespacedPod({ namespace: 'default', gracePeriodSeconds: 0 });
  await kube.until(() => kube.list('pods', 'default').length === 0, 60_000);
}

async function bareRound(
  kubeconfig: KubeConfig,
  core: CoreV1Api,
  round: number,
  pods: number,
): Promise<number> {
  // A plain informer on the same pods, as the executor has, so both pay for the watch stream.
  const informer = makeInformer<V1Pod>(kubeconfig, '/api/v1/namespaces/default/pods', () =>
    core.listNamespacedPod({ namespace: 'default' }),
  );
  await informer.start();
  const limiter = new Limiter(CONCURRENCY);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: pods }, (_, i) => {
      const { request, placement } = attempt(round, i, 'bare');
      return limiter.run(() =>
        core.createNamespacedPod({
          namespace: 'default',
          body: podManifest(request, placement, settings) as V1Pod,
        }),
      );
    }),
  );
  const rate = pods / ((performance.now() - started) / 1000);
  await informer.stop();
  return rate;
}

async function executorRound(
  kubeconfig: KubeConfig,
  round: number,
  pods: number,
): Promise<{ created: number; running: number }> {
  const executor = new KubernetesExecutor({
    ...settings,
    kubeconfig,
    nodeSelector: { pool: 'bench' },
    nodeLostMs: 60_000,
    maxConcurrentRequests: CONCURRENCY,
  });
  await executor.start();
  let running = 0;
  let allRunning!: () => void;
  const runningDone = new Promise<void>((resolve) => (allRunning = resolve));
  const started = performance.now();
  for (let i = 0; i < pods; i++) {
    const { request, placement } = attempt(round, i, 'exec');
    void executor.run(request, placement, {
      onStarted: () => {
        if (++running === pods) allRunning();
      },
      onProgress: () => undefined,
    });
  }
  while (executor.created < pods) await new Promise((resolve) => setTimeout(resolve, 2));
  const createdSeconds = (performance.now() - started) / 1000;
  await runningDone;
  const runningSeconds = (performance.now() - started) / 1000;
  await executor.close();
  return { created: pods / createdSeconds, running: pods / runningSeconds };
}

export async function kubeBench(
  options: KubeBenchOptions,
  progress: (line: string) => void,
): Promise<KubeBenchResult> {
  const kube = await startFakeKube({
    kubelet: { msPerSecond: 10, startDelayMs: 0, defaultDurationMs: Number.POSITIVE_INFINITY },
    historyLimit: options.pods * 20,
  });
  try {
    for (let i = 0; i < NODES; i++) kube.add('nodes', gpuNode(`gpu-${i}`, { labels: { pool: 'bench' } }));
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromString(kube.kubeconfig);
    const core = kubeconfig.makeApiClient(CoreV1Api);
    const rounds: KubeBenchRound[] = [];
    let podLists = 0;
    for (let round = 1; round <= options.rounds; round++) {
      const bare = await bareRound(kubeconfig, core, round, options.pods);
      await clear(kube, core);
      const listsBefore = kube.stats.count('list', 'pods');
      const executor = await executorRound(kubeconfig, round, options.pods);
      podLists += kube.stats.count('list', 'pods') - listsBefore;
      await clear(kube, core);
      const result = {
        round,
        barePodsPerSec: Math.round(bare),
        executorPodsPerSec: Math.round(executor.created),
        executorRunningPerSec: Math.round(executor.running),
      };
      progress(
        `round ${round}: bare ${result.barePodsPerSec} pods/s, executor ${result.executorPodsPerSec} bound/s, ${result.executorRunningPerSec} running/s`,
      );
      rounds.push(result);
    }
    return {
      machine: machineDescription(),
      pods: options.pods,
      nodes: NODES,
      concurrency: CONCURRENCY,
      rounds,
      podLists,
    };
  } finally {
    await kube.stop();
  }
}

export function kubeTable(result: KubeBenchResult): string {
  const lines = [
    `Kubernetes executor against the fake API (${result.pods} pods on ${result.nodes} nodes, ${result.concurrency} requests in flight; ${result.machine})`,
    '',
    '| round | bare creates (pods/s) | executor: bound (pods/s) | executor: seen Running (pods/s) | executor / bare |',
    '| --- | --- | --- | --- | --- |',
    ...result.rounds.map(
      (r) =>
        `| ${r.round} | ${r.barePodsPerSec} | ${r.executorPodsPerSec} | ${r.executorRunningPerSec} | ${(r.executorPodsPerSec / r.barePodsPerSec).toFixed(2)} |`,
    ),
    '',
    `pod list requests during executor rounds: ${result.podLists} (one per informer start; none per pod)`,
  ];
  return lines.join('\n');
}
