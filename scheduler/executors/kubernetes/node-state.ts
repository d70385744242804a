// A Kubernetes Node as the core sees it: capacity from status.allocatable, the GPU model from GPU feature
// discovery's labels, and whether it takes new work (Ready, not cordoned, no taint the pool does not tolerate).
import type { V1Node, V1Taint } from '@kubernetes/client-node';
import type { NodeState } from '../../core/types.ts';
import { shortModel } from '../local/inventory.ts';
import { GPU_COUNT_LABEL, GPU_PRODUCT_LABEL, GPU_RESOURCE } from './labels.ts';
import { count, cpuMilli, memoryMiB } from './quantity.ts';

export interface Toleration {
  key?: string;
  operator: 'Equal' | 'Exists';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface NodeStateOptions {
  tolerations: readonly Toleration[];
  /**
   * GPU-sharing pools may run without the device plugin advertising nvidia.com/gpu: the GPU count then
   * comes from the `nvidia.com/gpu.count` label.
   */
  gpuSharing: boolean;
}

export function nodeReady(node: V1Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function toNodeState(node: V1Node, options: NodeStateOptions): NodeState {
  const labels = node.metadata?.labels ?? {};
  const allocatable = node.status?.allocatable ?? {};
  const advertised = count(allocatable[GPU_RESOURCE]);
  const gpus = advertised > 0 || !options.gpuSharing ? advertised : count(labels[GPU_COUNT_LABEL]);
  const product = labels[GPU_PRODUCT_LABEL];
  const model = product ? shortModel(product.replace(/-/g, ' ')) : 'unknown';
  const cpu = cpuMilli(allocatable.cpu);
  const memory = memoryMiB(allocatable.memory);
  const blocked = untoleratedTaint(node.spec?.taints ?? [], options.tolerations);
  return {
    name: node.metadata?.name ?? '',
    labels,
    gpus: Array.from({ length: gpus }, (_, index) => ({ index, model, freeMilli: 1000 })),
    cpuMilliTotal: cpu,
    cpuMilliFree: cpu,
    memoryMiBTotal: memory,
    memoryMiBFree: memory,
    ...(node.spec?.unschedulable || !nodeReady(node) || blocked ? { unschedulable: true } : {}),
  };
}

/** The first NoSchedule/NoExecute taint no toleration covers (PreferNoSchedule never excludes). */
export function untoleratedTaint(
  taints: readonly V1Taint[],
  tolerations: readonly Toleration[],
): V1Taint | undefined {
  return taints.find(
    (taint) =>
      taint.effect !== 'PreferNoSchedule' && !tolerations.some((toleration) => tolerates(toleration, taint)),
  );
}

function tolerates(toleration: Toleration, taint: V1Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.operator === 'Exists') return toleration.key === undefined || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? '') === (taint.value ?? '');
}
