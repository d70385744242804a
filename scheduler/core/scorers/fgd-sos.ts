// fgd-sos (the default): fgd-balanced, plus a Sum-of-Squares rule for which GPU a share takes (Csirik,
// Johnson, Kenyon, Orlin, Shor, Weber, "On the Sum-of-Squares algorithm for bin packing", J. ACM 2006).
// What fgd-balanced leaves at full arrival is share leftovers on shared GPUs: large shares (700-900 milli)
// open GPUs faster than the small shares that could close them arrive, and each GPU choice that looks best
// for its node can still pile up leftovers of one size that nothing fills. Sum-of-Squares treats each GPU's
// free milli as a bin gap and picks the placement that least grows the sum over gap sizes of (GPUs with that
// gap)^2: it avoids making a gap size that is already common and prefers filling one, so gaps of each size
// stay few and an arriving share usually finds one to fill. Gaps are counted per GPU model (a share
// restricted to a model can only fill gaps of that model), over the whole working snapshot, which keeps
// them up to date (share-gaps.ts): O(1) per candidate.
import { MILLI_PER_GPU, type ResourceRequest } from '../types.ts';
import { findGpu } from '../working-node.ts';
import { costScore, fgdBalancedCost } from './fgd-balanced.ts';
import type { Candidate, Scorer, ScoringContext } from './scorer.ts';

/** Milli of cost per unit of sum-of-squares growth (tuned on seeds 11-20 of the packing benchmark). */
export const SOS_WEIGHT = 400;

/** How much a share's placement grows the sum of squared gap counts; 0 for whole GPUs and CPU-only jobs. */
export function sumOfSquaresIncrease({ node, gpus }: Candidate, context: ScoringContext): number {
  const share = gpus.gpuMilliPerGpu;
  if (share <= 0 || share >= MILLI_PER_GPU) return 0;
  const gpu = findGpu(node, gpus.gpuIndices[0]!)!;
  return context.shareGaps.sumOfSquaresIncrease(gpu.model, gpu.freeMilli, gpu.freeMilli - share);
}

export const fgdSos: Scorer = {
  score: (candidate, context) =>
    costScore(
      fgdBalancedCost(candidate, context) + SOS_WEIGHT * sumOfSquaresIncrease(candidate, context),
      candidate,
      context,
    ),
  gpuChoice: 'every',
  stateOnly: true,
  // A share's score reads the cluster-wide gap counts, which every share placement changes.
  stableAcrossSearches: (request) => !isShare(request),
};

function isShare(request: ResourceRequest): boolean {
  return request.gpus <= 0 && request.gpuMilli > 0 && request.gpuMilli < MILLI_PER_GPU;
}
