// Whether a request could ever run in a compute environment: judged against total
// capacity, as if nothing were running and no node were cordoned.
import { explainUnschedulable } from './explain.ts';
import type { NodeState, ResourceRequest, UnschedulableReason } from './types.ts';
import { toEmptyWorkingNode } from './working-node.ts';

/** undefined when some node could hold the request once empty; else why none ever can. */
export function neverFits(
  nodes: readonly NodeState[],
  resources: ResourceRequest,
): UnschedulableReason | undefined {
  return explainUnschedulable(nodes.map(toEmptyWorkingNode), resources);
}

/**
 * One node per distinct empty shape (labels, GPU models in order, CPU and memory totals): neverFits over
 * them answers exactly as over all, since its answer is an any or a max over nodes. A cluster of a few
 * node types then costs a few rows per submission instead of one per node.
 */
export function distinctEmptyShapes(nodes: readonly NodeState[]): NodeState[] {
  const byShape = new Map<string, NodeState>();
  for (const node of nodes) {
    const shape = JSON.stringify([
      node.labels,
      node.gpus.map((gpu) => gpu.model),
      node.cpuMilliTotal,
      node.memoryMiBTotal,
    ]);
    if (!byShape.has(shape)) byShape.set(shape, node);
  }
  return [...byShape.values()];
}
