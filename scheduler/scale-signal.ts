// The leader's autoscaling signal for its compute environment: how many more nodes of the pool's usual
// shape would let the waiting jobs run (scheduler/core/scale-up.ts), published to Redis every few seconds
// for GET /v1/compute-environments and the gpubatch_pool_nodes_wanted gauge (api/metrics.ts).
import { commonShape, nodesToAdd } from './core/index.ts';
import type { NodeState, PendingJob, Snapshot } from './core/types.ts';

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
  const base = {
    computeEnvironment,
    nodes: allNodes.length,
    schedulableNodes: allNodes.filter((node) => !node.unschedulable).length,
    gpus: allNodes.reduce((sum, node) => sum + node.gpus.length, 0),
    pendingJobs: pending.length,
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
