// The scorer plug-in contract: rank one candidate placement (a node and the GPUs it would take), higher is
// better. Built-in scores run 0..100, except where a policy says otherwise.
import type { FragmentationScope } from '../fragmentation.ts';
import type { GpuChoice } from '../gpu-choice.ts';
import type { ResourceRequest } from '../types.ts';
import type { ReadonlyWorkingNode } from '../working-node.ts';
import type { WorkloadShape } from '../workload.ts';
import type { ReadonlyShareGaps } from './share-gaps.ts';

export interface Candidate {
  /** The node as it is now, before the placement is assumed. */
  node: ReadonlyWorkingNode;
  request: ResourceRequest;
  /** The GPUs this placement would take on that node. */
  gpus: GpuChoice;
}

/** What a scorer may read besides the candidate; one per placement engine. */
export interface ScoringContext {
  /** The workload distribution (merged, probabilities sum to 1) fragmentation is judged against. */
  readonly workload: readonly WorkloadShape[];
  /**
   * Expected fragmented GPU milli of the node now (fragmentation.ts), memoized per node state. Scope 'all'
   * (the paper's measure) or 'gpu-capable' (only tasks that could ever use this node's GPUs).
   */
  fragmentation(node: ReadonlyWorkingNode, scope?: FragmentationScope): number;
  /** The same, of the node as it would be after the candidate placement; memoized too. */
  fragmentationAfter(candidate: Candidate, scope?: FragmentationScope): number;
  /** Seeded from EngineOptions.seed: deterministic for a seed. */
  readonly random: () => number;
  /** GPU milli of the largest node: a fixed scale for scores measured in absolute milli. */
  readonly largestNodeGpuMilli: number;
  /** The working snapshot's partly used GPUs by model and free milli, as they are now. */
  readonly shareGaps: ReadonlyShareGaps;
}

export interface Scorer {
  readonly score: (candidate: Candidate, context: ScoringContext) => number;
  /**
   * 'tightest': each node offers the default GPU choice (gpu-choice.ts); 'every': each distinct GPU a share
   * could take is scored, so the policy picks the GPU as well as the node.
   */
  readonly gpuChoice: 'tightest' | 'every';
  /**
   * true when the score depends only on the node's capacity state (its stateId), never on its name,
   * labels, position or a random draw (cluster-wide values such as shareGaps, equal for every node of one
   * search, are fine): nodes in the same state are then scored once per group. A scorer
   * that is not (random) is asked about every node.
   */
  readonly stateOnly: boolean;
  /**
   * Optional, for state-only scorers: false when a state's scores for this request may change from one
   * search to the next although the state did not (they read cluster-wide values that placements elsewhere
   * change, such as shareGaps). Those are not remembered per state across searches (state-bests.ts).
   * Default: true.
   */
  readonly stableAcrossSearches?: (request: ResourceRequest) => boolean;
  /**
   * Optional, for state-only scorers: an upper bound on the score of any candidate for the request on a node
   * with at least `minGpuMilliFree` free GPU milli and a mean CPU and memory use after the placement of at
   * most `maxResourceUse` (0..1, as best-fit's resourceUseAfter). The search skips a bucket of nodes whose
   * bound is below the best score found, so it must truly bound the computed score (leave a margin for
   * rounding).
   */
  readonly bound?: (
    request: ResourceRequest,
    minGpuMilliFree: number,
    maxResourceUse: number,
    context: ScoringContext,
  ) => number;
}
