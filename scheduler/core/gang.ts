// Places a whole job, all or nothing: one task for an ordinary job, every member of a gang (`nodes: N`,
// one member per node) in the same cycle, and with `sameLabel` all members in one domain of that label.
// Each task goes through the placement engine; the members of a gang that does not fit are rolled back.
import { membersOf } from './order.ts';
import { createPlacementEngine, type EngineOptions, type PlacementEngine } from './placement-engine.ts';
import { createScoringContext } from './scorers/context.ts';
import { DEFAULT_SCORER, getScorer } from './scorers/registry.ts';
import type { Scorer, ScoringContext } from './scorers/scorer.ts';
import type { WorkingSnapshot } from './snapshot.ts';
import type { PendingJob, Placement } from './types.ts';
import type { ReadonlyWorkingNode } from './working-node.ts';

export type NodeFilter = (node: ReadonlyWorkingNode) => boolean;

export type JobFit =
  | { placements: Placement[] }
  /** `fitting`: the most members that fit at once (in the best domain, for sameLabel). */
  | { placements: undefined; fitting: number; label?: string };

export interface JobPlacer {
  working: WorkingSnapshot;
  engine: PlacementEngine;
  /** Scores a gang's placements so the best domain wins (the sum over its members). */
  scorer: Scorer;
  scoring: ScoringContext;
}

/** The engine places each task; a second scoring context (same workload and seed) totals a gang's domain. */
export function createJobPlacer(working: WorkingSnapshot, options: EngineOptions = {}): JobPlacer {
  return {
    working,
    engine: createPlacementEngine(working, options),
    scorer: getScorer(options.scorer ?? DEFAULT_SCORER),
    scoring: createScoringContext(working, { workload: options.workload, seed: options.seed }),
  };
}

/**
 * Places the job in the working snapshot and assumes its placements; on failure the snapshot is as it
 * was. `allow` narrows the nodes (reservations, preemption what-ifs).
 */
export function placeJob(
  placer: JobPlacer,
  job: PendingJob,
  allow?: NodeFilter,
  /** `allow` turns away only a few nodes (reservations): try the unrestricted best first. */
  allowsMost = false,
): JobFit {
  const members = membersOf(job);
  if (members === 1) {
    let placement = allow === undefined || allowsMost ? placer.engine.best(job) : undefined;
    // The best of all nodes, if allowed, is the best of the allowed ones; otherwise ask again, narrowed.
    if (allow !== undefined && (placement === undefined || !allow(placer.working.node(placement.node)!))) {
      placement = allowsMost && placement === undefined ? undefined : placer.engine.best(job, { allow });
    }
    if (placement === undefined) return { placements: undefined, fitting: 0 };
    placer.working.assume(placement);
    return { placements: [placement] };
  }
  if (job.sameLabel === undefined) return placeMembers(placer, job, members, allow);
  return placeInBestDomain(placer, job, members, job.sameLabel, allow);
}

/**
 * Tries each value of the label (largest domains first, then by value), keeps the one with the highest
 * total score; equal totals go to the domain tried first.
 */
function placeInBestDomain(
  placer: JobPlacer,
  job: PendingJob,
  members: number,
  label: string,
  allow: NodeFilter | undefined,
): JobFit {
  const { working } = placer;
  let best: { value: string; score: number } | undefined;
  let fitting = 0;
  for (const { value, size } of domainsOf(working, label)) {
    // Too few nodes for one member each: it cannot hold the gang, but while none can, it says how many
    // members would fit. Domains come largest first, so the rest are no larger.
    if (size < members && (best !== undefined || size <= fitting)) break;
    const inDomain: NodeFilter = (node) =>
      node.labels[label] === value && (allow === undefined || allow(node));
    const mark = working.checkpoint();
    const attempt = placeMembers(placer, job, members, inDomain);
    if (attempt.placements !== undefined) {
      const score = totalScore(attempt);
      if (best === undefined || score > best.score) best = { value, score };
      fitting = members;
    } else {
      fitting = Math.max(fitting, attempt.fitting);
    }
    working.rollbackTo(mark);
  }
  if (best === undefined) return { placements: undefined, fitting, label };
  const chosen = best.value;
  // Placing again in the chosen domain repeats the same deterministic choices.
  return placeMembers(
    placer,
    job,
    members,
    (node) => node.labels[label] === chosen && (allow?.(node) ?? true),
  );
}

interface ScoredFit {
  placements: Placement[];
  scores: number[];
}

function totalScore(fit: ScoredFit): number {
  return fit.scores.reduce((sum, score) => sum + score, 0);
}

/** Members one by one, each on a node no other member of this gang uses. */
function placeMembers(
  placer: JobPlacer,
  job: PendingJob,
  members: number,
  allow: NodeFilter | undefined,
): (ScoredFit & { fitting?: undefined }) | { placements: undefined; fitting: number } {
  const { working, engine, scorer, scoring } = placer;
  const mark = working.checkpoint();
  const used = new Set<string>();
  const placements: Placement[] = [];
  const scores: number[] = [];
  const eligible: NodeFilter = (node) => !used.has(node.name) && (allow === undefined || allow(node));
  for (let member = 0; member < members; member++) {
    const placement = engine.best(job, { member, allow: eligible });
    if (placement === undefined) {
      working.rollbackTo(mark);
      return { placements: undefined, fitting: member };
    }
    const node = working.node(placement.node)!;
    const gpus = { gpuIndices: placement.gpuIndices, gpuMilliPerGpu: placement.gpuMilliPerGpu };
    scores.push(scorer.score({ node, request: job.resources, gpus }, scoring));
    working.assume(placement);
    used.add(placement.node);
    placements.push(placement);
  }
  return { placements, scores };
}

/** Most label values a gang tries: bounds the cost of a label with very many values (e.g. hostnames). */
export const MAX_DOMAINS = 256;

/** Label values of schedulable nodes with their node counts: the largest domains first, then by value. */
function domainsOf(working: WorkingSnapshot, label: string): { value: string; size: number }[] {
  const counts = new Map<string, number>();
  for (const node of working.nodes) {
    const value = node.labels[label];
    if (node.unschedulable || value === undefined) continue;
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return [...counts]
    .map(([value, size]) => ({ value, size }))
    .sort((a, b) => b.size - a.size || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .slice(0, MAX_DOMAINS);
}
