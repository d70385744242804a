// spread: prefer the least allocated node after the placement (kube-scheduler's LeastAllocated), which
// evens out load and heat but scatters work, leaving fewer whole nodes for big jobs.
import { bestFitScore } from './best-fit.ts';
import type { Scorer } from './scorer.ts';

/** The mirror of best-fit: 100 minus how full the node is after the placement. */
export const spread: Scorer = {
  score: (candidate) => 100 - bestFitScore(candidate),
  gpuChoice: 'tightest',
  stateOnly: true,
};
