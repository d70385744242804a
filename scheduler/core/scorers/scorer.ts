// The scorer plug-in contract: rank one candidate placement 0..100, higher is better.
import type { GpuChoice } from '../gpu-choice.ts';
import type { ResourceRequest } from '../types.ts';
import type { ReadonlyWorkingNode } from '../working-node.ts';

export interface Candidate {
  /** The node as it is now, before the placement is assumed. */
  node: ReadonlyWorkingNode;
  request: ResourceRequest;
  /** The GPUs this placement would take on that node. */
  gpus: GpuChoice;
}

export type Scorer = (candidate: Candidate) => number;
