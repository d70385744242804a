// The leader's autoscaling signal for its compute environment: how many more nodes of the pool's usual
// shape would let the waiting jobs run (scheduler/core/scale-up.ts), published to Redis every few seconds
// for GET /v1/compute-environments and the gpubatch_pool_nodes_wanted gauge (api/metrics.ts).
import { commonShape, nodesToAdd } from './core/index.ts';
import type { NodeState, PendingJob, Snapshot } from './core/types.ts';

/** One node's GPUs as `gpubatch pools` draws them: the share of each GPU in use, 0..1000, by index. */
export interface NodeGpuUse {
  node: string;
  unschedulable?: boolean;
  usedMilli: number[];
}

export interface ScaleSignal {
  computeEnvironment: string;
  /** Nodes of the pool, and how many take new work. */
  nodes: number;
  schedulableNodes: number;
  gpus: number;
  /** Jobs waiting for a place in the leader's look-ahead window. */
  pendingJobs: number;
  /** More nodes of `nodeShape` that would let them run; null when the pool has no node to copy. */
  nodesWanted: number | null;
  nodeShape?: { gpus: number; gpuModel: string; cpuMilli: number; memoryMiB: number };
  /** Per node, how much of each GPU is allocated (the leader's allocations at `at`). */
  gpuUse?: NodeGpuUse[];
  /** When the leader computed it (ms). */
  at: number;
}

export function computeScaleSignal(
  computeEnvironment: string,
  allNodes: readonly NodeState[],
  snapshot: Snapshot,
  pending: readonly PendingJob[],
  options: { scorer?: string; now: number },
): ScaleSignal {
  const shape = commonShape(allNodes);
  // The snapshot holds the free capacity after running work; a node outside it (over maxNodes) has none taken.
  const free = new Map(snapshot.nodes.map((node) => [node.name, node]));
  const gpuUse = allNodes.map((node): NodeGpuUse => {
    const gpus = free.get(node.name)?.gpus ?? node.gpus;
    const usedMilli = [...gpus].sort((a, b) => a.index - b.index).map((gpu) => 1000 - gpu.freeMilli);
    return node.unschedulable
      ? { node: node.name, unschedulable: true, usedMilli }
      : { node: node.name, usedMilli };
  });
  const base = {
    computeEnvironment,
    nodes: allNodes.length,
    schedulableNodes: allNodes.filter((node) => !node.unschedulable).length,
    gpus: allNodes.reduce((sum, node) => sum + node.gpus.length, 0),
    pendingJobs: pending.length,
    gpuUse,
    at: options.now,
  };
  if (!shape) return { ...base, nodesWanted: pending.length > 0 ? null : 0 };
  const nodesWanted =
    pending.length === 0 ? 0 : nodesToAdd(snapshot, pending, shape, { scorer: options.scorer }).nodes;
  return {
    ...base,
    nodesWanted,
    nodeShape: {
      gpus: shape.gpus.length,
      gpuModel: shape.gpus[0]?.model ?? '',
      cpuMilli: shape.cpuMilliTotal,
      memoryMiB: shape.memoryMiBTotal,
    },
  };
}
