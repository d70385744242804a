// The executor of a compute environment: this machine (local), a Kubernetes node pool, or declared nodes
// where jobs only take time (simulated).

import type { JobLogs } from '../../api/job-logs.ts';
import type { Config } from '../config.ts';
import type { Executor } from './executor.ts';
import { loadKubeConfig, namespaceOf } from './kubernetes/kube-config.ts';
import { KubernetesExecutor } from './kubernetes/kubernetes-executor.ts';
import { PodLogSource } from './kubernetes/pod-log-source.ts';
import { LocalExecutor } from './local/local-executor.ts';
import { SimulatedExecutor } from './simulated/simulated-executor.ts';

export type ComputeEnvironment = Config['computeEnvironments'][number];

export interface CreatedExecutor {
  executor: Executor;
  /** Nodes a job could ever fit on (submit-time check), at full capacity; undefined while unknown. */
  capacityNodes: () => ReturnType<Executor['nodes']> | undefined;
  /** Resolves when the executor knows its nodes (informers listed). */
  ready: Promise<void>;
  describe: () => string;
  /** Attempt logs, where the executor keeps them. */
  logs?: JobLogs;
}

export function createExecutor(
  environment: ComputeEnvironment,
  runners: Config['runners'],
  log?: (message: string) => void,
): CreatedExecutor {
  if (environment.type === 'local') {
    const executor = new LocalExecutor({
      inventory: environment.inventory,
      keepWarm: runners.keepWarm,
      idleTimeoutMs: runners.idleTimeoutSeconds * 1000,
      maxHeapMiB: runners.maxHeapMiB,
    });
    return {
      executor,
      capacityNodes: () => executor.nodes(),
      ready: Promise.resolve(),
      describe: () => {
        const node = executor.nodes()[0]!;
        return `local executor: node ${node.name}, ${node.gpus.length} GPU(s), ${node.cpuMilliTotal / 1000} CPUs, ${node.memoryMiBTotal} MiB`;
      },
    };
  }
  if (environment.type === 'simulated') {
    const executor = new SimulatedExecutor(environment);
    return {
      executor,
      capacityNodes: () => executor.nodes(),
      ready: Promise.resolve(),
      describe: () => {
        const nodes = executor.nodes();
        const gpus = nodes.reduce((sum, node) => sum + node.gpus.length, 0);
        return `simulated executor ${environment.name}: ${nodes.length} node(s), ${gpus} GPU(s); jobs only take time`;
      },
    };
  }
  const kubeconfig = loadKubeConfig(environment.kubeconfigPath);
  const namespace = namespaceOf(kubeconfig, environment.namespace);
  const executor = new KubernetesExecutor({
    kubeconfig,
    namespace,
    image: environment.image,
    imagePullPolicy: environment.imagePullPolicy,
    gpuSharing: environment.gpuSharing,
    tolerations: environment.tolerations,
    nodeSelector: environment.nodeSelector,
    terminationGraceSeconds: environment.terminationGraceSeconds,
    dataVolumeClaim: environment.dataVolumeClaim,
    serviceAccountName: environment.serviceAccountName,
    nodeLostMs: environment.nodeLostSeconds * 1000,
    maxConcurrentRequests: environment.maxConcurrentRequests,
    finishedPodRetentionMs: environment.finishedPodRetentionSeconds * 1000,
    log,
  });
  return {
    executor,
    capacityNodes: () => executor.capacityNodes(),
    ready: executor.start(),
    logs: new PodLogSource(kubeconfig, namespace),
    describe: () => {
      const nodes = executor.nodes();
      const gpus = nodes.reduce((sum, node) => sum + node.gpus.length, 0);
      return `kubernetes executor: namespace ${namespace}, ${nodes.length} node(s), ${gpus} GPU(s)`;
    },
  };
}

/** Attempt logs for the API of a compute environment (an API-only process has no executor). */
export function logSourceFor(environment: ComputeEnvironment): JobLogs | undefined {
  if (environment.type !== 'kubernetes') return undefined;
  const kubeconfig = loadKubeConfig(environment.kubeconfigPath);
  return new PodLogSource(kubeconfig, namespaceOf(kubeconfig, environment.namespace));
}
