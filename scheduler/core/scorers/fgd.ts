// fgd: Fragmentation Gradient Descent (Weng et al., USENIX ATC'23). Place the task on the node AND GPU
// whose placement least increases the node's expected fragmentation against the workload distribution
// (fragmentation.ts): the steepest descent of cluster fragmentation, one task at a time.
import type { Candidate, Scorer, ScoringContext } from './scorer.ts';

/** How much the placement grows the node's fragmentation, in GPU milli (negative: it shrinks). */
export function fragmentationIncrease(candidate: Candidate, context: ScoringContext): number {
  return context.fragmentationAfter(candidate) - context.fragmentation(candidate.node);
}

/** 0..100: 50 for no change, 100 for the largest node's whole capacity defragmented, 0 for it fragmented. */
export function fgdScore(candidate: Candidate, context: ScoringContext): number {
  return 50 * (1 - fragmentationIncrease(candidate, context) / context.largestNodeGpuMilli);
}

export const fgd: Scorer = { score: fgdScore, gpuChoice: 'every', stateOnly: true };
