// The one entry point for "where does this task go": filters, GPU choice and the scorer plugin, over a
// working snapshot. schedule() (gangs, reservations, preemption what-ifs) and the simulator's online
// packing both place through it, so there is one placement algorithm.
import { bestPlacement } from './place.ts';
import { createScoringContext } from './scorers/context.ts';
import { DEFAULT_SCORER, getScorer } from './scorers/registry.ts';
import type { WorkingSnapshot } from './snapshot.ts';
import type { PendingJob, Placement, WorkloadSample } from './types.ts';
import type { ReadonlyWorkingNode } from './working-node.ts';

export interface EngineOptions {
  /** A name from the scorer registry; default DEFAULT_SCORER. An unknown name throws. */
  scorer?: string;
  /**
   * Recent job shapes, for fragmentation-aware scorers. When absent (or empty): the shapes of the
   * snapshot's running jobs, or, with nothing running, GENERIC_WORKLOAD (workload.ts). Tip: pass
   * workloadOf(pending.map(j => j.resources)) to judge fragmentation against what is waiting.
   */
  workload?: readonly WorkloadSample[];
  /** Seed for scorers that draw random numbers (`random`); results are deterministic for a seed. Default 0. */
  seed?: number;
}

export interface PlaceOptions {
  /** Gang member index (written into the placement). */
  member?: number;
  /** Only nodes this accepts are considered (a gang's label domain, nodes held by a reservation). */
  allow?: (node: ReadonlyWorkingNode) => boolean;
}

export interface PlacementEngine {
  /** The best placement for one task in the working snapshot as it is now; it is not assumed. */
  best(job: PendingJob, options?: PlaceOptions): Placement | undefined;
}

export function createPlacementEngine(
  working: WorkingSnapshot,
  options: EngineOptions = {},
): PlacementEngine {
  const scorer = getScorer(options.scorer ?? DEFAULT_SCORER);
  const context = createScoringContext(working, options);
  return {
    best: (job, placeOptions = {}) => {
      const placement = bestPlacement(working, job, scorer, placeOptions.allow, context);
      if (placement && placeOptions.member !== undefined) placement.member = placeOptions.member;
      return placement;
    },
  };
}
