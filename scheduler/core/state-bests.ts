// The best GPU choice and score of one node state for one request shape, remembered per scoring context and
// scorer. A state-only scorer scores equal states alike, so a job of a shape seen before scores only the
// groups whose state changed since: in a 10k-job cycle about four in five group visits are such repeats.
// Pays off for scorers that try every GPU choice (the FGD policies); best-fit's one score is cheaper than
// the lookup.
import type { GpuChoice } from './gpu-choice.ts';
import type { Scorer, ScoringContext } from './scorers/scorer.ts';
import type { ResourceRequest } from './types.ts';

/** A state's first GPU choice with its highest score (the one scoring choice by choice keeps). */
export interface StateBest {
  readonly gpus: GpuChoice;
  readonly score: number;
}

/** Entries kept per context and scorer before starting over: bounds memory over long simulations. */
const MAX_ENTRIES = 2_000_000;

class StateBests {
  readonly #byShape = new Map<string, Map<number, StateBest>>();
  #entries = 0;

  /** The remembered bests by stateId for this request shape; add to it with remember(). */
  forRequest(request: ResourceRequest): Map<number, StateBest> {
    const key = shapeKey(request);
    let bests = this.#byShape.get(key);
    if (bests === undefined) {
      bests = new Map();
      this.#byShape.set(key, bests);
    }
    return bests;
  }

  remember(bests: Map<number, StateBest>, stateId: number, best: StateBest): void {
    if (++this.#entries > MAX_ENTRIES) {
      for (const other of this.#byShape.values()) other.clear();
      this.#entries = 1;
    }
    bests.set(stateId, best);
  }
}

const byContext = new WeakMap<ScoringContext, Map<Scorer, StateBests>>();

export function stateBestsOf(context: ScoringContext, scorer: Scorer): StateBests {
  let byScorer = byContext.get(context);
  if (byScorer === undefined) {
    byScorer = new Map();
    byContext.set(context, byScorer);
  }
  let bests = byScorer.get(scorer);
  if (bests === undefined) {
    bests = new StateBests();
    byScorer.set(scorer, bests);
  }
  return bests;
}

/** Everything of a request that GPU choice and a state-only score may read. */
function shapeKey({ gpus, gpuMilli, gpuModel, cpuMilli, memoryMiB }: ResourceRequest): string {
  return `${gpus}/${gpuMilli}/${cpuMilli}/${memoryMiB}/${gpuModel.length === 0 ? '' : JSON.stringify(gpuModel)}`;
}
