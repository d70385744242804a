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
