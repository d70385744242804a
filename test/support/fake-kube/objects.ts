// Builders for the objects tests put into the double: GPU nodes as the NVIDIA device plugin and
// GPU feature discovery label them, and minimal job pods.
import type { KubeObject } from './resources.ts';

export interface NodeShape {
  gpus?: number;
  gpuProduct?: string;
  /** MiB, as `nvidia.com/gpu.memory` is labelled. */
  gpuMemoryMiB?: number;
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: string }>;
  unschedulable?: boolean;
  ready?: boolean;
}

export function gpuNode(name: string, shape: NodeShape = {}): KubeObject {
  const gpus = shape.gpus ?? 8;
  const capacity = {
    cpu: shape.cpu ?? '64',
    memory: shape.memory ?? '512Gi',
    pods: '110',
    ...(gpus > 0 ? { 'nvidia.com/gpu': String(gpus) } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        ...(gpus > 0
          ? {
              'nvidia.com/gpu.present': 'true',
              'nvidia.com/gpu.product': shape.gpuProduct ?? 'NVIDIA-H100-80GB-HBM3',
              'nvidia.com/gpu.memory': String(shape.gpuMemoryMiB ?? 81559),
              'nvidia.com/gpu.count': String(gpus),
            }
          : {}),
        ...shape.labels,
      },
    },
    spec: {
      ...(shape.unschedulable ? { unschedulable: true } : {}),
      ...(shape.taints ? { taints: shape.taints } : {}),
    },
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        {
          type: 'Ready',
          status: shape.ready === false ? 'False' : 'True',
          reason: shape.ready === false ? 'KubeletNotReady' : 'KubeletReady',
        },
      ],
      addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
    },
  };
}

export function jobPod(
  name: string,
  options: {
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    nodeName?: string;
    activeDeadlineSeconds?: number;
  } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: options.namespace ?? 'default',
      labels: options.labels ?? {},
      annotations: options.annotations ?? {},
    },
    spec: {
      restartPolicy: 'Never',
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
      ...(options.activeDeadlineSeconds ? { activeDeadlineSeconds: options.activeDeadlineSeconds } : {}),
      containers: [{ name: 'runner', image: 'gpubatch:test' }],
    },
  };
}
