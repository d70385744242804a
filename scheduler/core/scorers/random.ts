// random: a baseline that places each task on a uniformly random fitting node (seeded, so a run repeats).
import type { Scorer } from './scorer.ts';

/** A fresh draw per node: the highest draw wins, which is a uniform choice among fitting nodes. */
export const random: Scorer = {
  score: (_candidate, context) => 100 * context.random(),
  gpuChoice: 'tightest',
  stateOnly: false,
};
