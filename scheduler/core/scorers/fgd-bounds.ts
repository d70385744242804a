// Bounds for the FGD policies (Scorer.bound), kept beside them so their files stay as they are. Only a job
// that asks for no GPU gets a useful bound: its placement leaves the node's GPUs as they are and takes CPU and
// memory, so no shape's fits test can turn true and no GPU can be fed more: fragmentation and stranding only
// grow (term by term, so in floating point too) and the policy's main term is at most 50. Its best-fit tie
// break then bounds the rest, and the search can stop once a node that changes nothing is found. Jobs asking
// for GPUs get no bound (Infinity): fragmentation may shrink by up to the GPU milli they take.

import type { ResourceRequest } from '../types.ts';
import { bestFitBound } from './best-fit.ts';
import type { Scorer, ScoringContext } from './scorer.ts';

/** The policies' weight of best-fit's score (fgd-model-aware.ts, fgd-balanced.ts); plain fgd has none. */
const TIE_BREAK_WEIGHT = 1e-6;
/** Above any rounding of the scores (0..100). */
const ROUNDING_MARGIN = 1e-9;

function cpuOnlyBound(tieBreakWeight: number) {
  return (
    request: ResourceRequest,
    minGpuMilliFree: number,
    maxResourceUse: number,
    context: ScoringContext,
  ): number => {
    if (request.gpus > 0 || request.gpuMilli > 0) return Number.POSITIVE_INFINITY;
    return (
      50 + tieBreakWeight * bestFitBound(request, minGpuMilliFree, maxResourceUse, context) + ROUNDING_MARGIN
    );
  };
}

/** The scorer with the CPU-only bound: for fgd (no tie break) and the variants that add best-fit * 1e-6. */
export function withCpuOnlyBound(scorer: Scorer, tieBreak: boolean): Scorer {
  return { ...scorer, bound: cpuOnlyBound(tieBreak ? TIE_BREAK_WEIGHT : 0) };
}
