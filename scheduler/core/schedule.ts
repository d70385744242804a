// One scheduling cycle: offer pending jobs in order to a working copy of the cluster,
// assuming each placement so later jobs see the capacity it took.
import { explainUnschedulable } from './explain.ts';
import { orderPending } from './order.ts';
import { bestPlacement } from './place.ts';
import { RefusalCache } from './refusals.ts';
import { DEFAULT_SCORER, getScorer } from './scorers/registry.ts';
import { WorkingSnapshot } from './snapshot.ts';
import type { PendingJob, Placement, ScheduleResult, Snapshot, Unschedulable } from './types.ts';

export interface ScheduleOptions {
  /** A name from the scorer registry; default 'best-fit'. An unknown name throws. */
  scorer?: string;
}

/** Pure and deterministic: the same input gives the same result, and the input is not changed. */
export function schedule(
  snapshot: Snapshot,
  pending: readonly PendingJob[],
  options: ScheduleOptions = {},
): ScheduleResult {
  const scorer = getScorer(options.scorer ?? DEFAULT_SCORER);
  const working = new WorkingSnapshot(snapshot);
  const placements: Placement[] = [];
  const unschedulable: Unschedulable[] = [];
  const refusals = new RefusalCache(working);
  for (const job of orderPending(pending)) {
    const refused = refusals.get(job.resources);
    if (refused !== undefined) {
      unschedulable.push({ jobId: job.id, reason: refused });
      continue;
    }
    const placement = bestPlacement(working, job, scorer);
    if (placement === undefined) {
      const reason = explainUnschedulable(working.nodes, job.resources);
      // Only a disagreement between the node index and the filters could get here: a bug, so be loud.
      if (reason === undefined)
        throw new Error(`job ${job.id} fits a node that the node index did not offer`);
      refusals.set(job.resources, reason);
      unschedulable.push({ jobId: job.id, reason });
      continue;
    }
    working.assume(placement);
    placements.push(placement);
  }
  return { placements, unschedulable };
}
