// fgd-model-aware: FGD's steepest descent of fragmentation, judged only against the tasks
// that could ever use the node's GPUs, with best-fit breaking ties.
//
// Why: the paper's measure counts a node's whole free capacity as fragmented for every task that asks for
// another GPU model (or none). Those terms do not depend on where a task goes on that node, but they differ
// between nodes of different models by the weight of the tasks that cannot use each model, so with GPU-model
// constraints FGD steers unconstrained work by them and strands the constrained jobs' models: on a mix with
// 30% model-constrained GPU jobs, plain fgd left 2.3x more GPUs unallocated than best-fit (see
// docs/scheduler-core.md). Scoping fragmentation to the GPU-capable tasks removes that bias and keeps FGD's
// gain where no constraints apply. Equal fragmentation changes (e.g. every node empty) go to the fuller
// node, which keeps whole nodes whole.
import { bestFitScore } from './best-fit.ts';
import type { Scorer } from './scorer.ts';

/** Small enough never to outweigh a fragmentation difference, large enough to order exact ties. */
const TIE_BREAK_WEIGHT = 1e-6;

export const fgdModelAware: Scorer = {
  score: (candidate, context) => {
    const increase =
      context.fragmentationAfter(candidate, 'gpu-capable') -
      context.fragmentation(candidate.node, 'gpu-capable');
    return 50 * (1 - increase / context.largestNodeGpuMilli) + TIE_BREAK_WEIGHT * bestFitScore(candidate);
  },
  gpuChoice: 'every',
  stateOnly: true,
};
