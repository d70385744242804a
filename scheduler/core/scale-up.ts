// The autoscaling signal: how many more nodes of a pool's shape would let the pending work run. Answered
// with the production cycle itself: schedule the pending jobs on the snapshot plus k empty copies of the
// template node, and find the smallest k that places every job a template node can hold at all (binary
// search, so about log2(pending) cycles). Jobs no template node could ever hold do not ask for nodes.
import type { ScheduleOptions } from './schedule.ts';
import { schedule } from './schedule.ts';
import type { NodeState, PendingJob, Snapshot } from './types.ts';

export interface ScaleUpResult {
  /** Nodes to add (0 when the pending work fits, or when adding nodes of this shape would not help). */
  nodes: number;
  /** Pending jobs that would be placed with that many more nodes. */
  placeable: number;
  /** Pending jobs placed without adding any. */
  placedNow: number;
}

export function nodesToAdd(
  snapshot: Snapshot,
  pending: readonly PendingJob[],
  template: NodeState,
  options: Pick<ScheduleOptions, 'scorer'> & { maxNodes?: number } = {},
): ScaleUpResult {
  const placedWith = (extra: number): number => {
    const nodes = [...snapshot.nodes];
    for (let i = 0; i < extra; i++) nodes.push(emptyCopy(template, `scale-up-${i}`));
    // No reservations or backfill: the question is what fits, not who waits for whom.
    const result = schedule({ ...snapshot, nodes }, pending, { scorer: options.scorer, backfill: false });
    return new Set(result.placements.map((p) => p.jobId)).size;
  };
  const placedNow = placedWith(0);
  // Each gang member needs at most a node of its own.
  const members = pending.reduce((sum, job) => sum + (job.nodes ?? 1), 0);
  const upper = Math.min(members, options.maxNodes ?? 1000);
  if (placedNow === pending.length || upper === 0) return { nodes: 0, placeable: placedNow, placedNow };
  const target = placedWith(upper);
  if (target <= placedNow) return { nodes: 0, placeable: placedNow, placedNow };
  let low = 1;
  let high = upper;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (placedWith(mid) >= target) high = mid;
    else low = mid + 1;
  }
  return { nodes: low, placeable: target, placedNow };
}

function emptyCopy(template: NodeState, name: string): NodeState {
  return {
    name,
    labels: { ...template.labels },
    gpus: template.gpus.map((gpu) => ({ ...gpu, freeMilli: 1000 })),
    cpuMilliTotal: template.cpuMilliTotal,
    cpuMilliFree: template.cpuMilliTotal,
    memoryMiBTotal: template.memoryMiBTotal,
    memoryMiBFree: template.memoryMiBTotal,
  };
}

/** The pool's most common node shape (GPU count and model, CPU, memory), at full capacity. */
export function commonShape(nodes: readonly NodeState[]): NodeState | undefined {
  const counts = new Map<string, { node: NodeState; count: number }>();
  for (const node of nodes) {
    const key = `${node.gpus.length}/${node.gpus[0]?.model ?? ''}/${node.cpuMilliTotal}/${node.memoryMiBTotal}`;
    const entry = counts.get(key) ?? { node, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  let best: { node: NodeState; count: number } | undefined;
  for (const entry of counts.values()) if (!best || entry.count > best.count) best = entry;
  return best?.node;
}
