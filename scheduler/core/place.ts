// Finds the best placement for one request in the working snapshot: filter, choose GPUs, score. Nodes in
// the same capacity state score alike, so for a state-only scorer each group of equal nodes is scored once,
// for its earliest node (the one exhaustive scoring would pick on a tie); the result is the same as
// scoring every node (test/unit/scheduler-core-scorers-fast-path.test.ts checks it).
import { passesAll } from './filters.ts';
import { chooseGpus, everyGpuChoice, type GpuChoice } from './gpu-choice.ts';
import type { NodeGroup } from './node-index.ts';
import { createScoringContext } from './scorers/context.ts';
import type { Scorer, ScoringContext } from './scorers/scorer.ts';
import type { WorkingSnapshot } from './snapshot.ts';
import { type StateBest, stateBestsOf } from './state-bests.ts';
import type { PendingJob, Placement, ResourceRequest } from './types.ts';
import type { ReadonlyWorkingNode, WorkingNode } from './working-node.ts';

type Allow = (node: ReadonlyWorkingNode) => boolean;

interface Best {
  node: WorkingNode;
  gpus: GpuChoice;
  score: number;
}

/**
 * undefined when no node fits. Equal scores go to the node earlier in the snapshot, then to the GPU choice
 * offered first. Without a context, one is kept per working snapshot (default workload, seed 0).
 */
export function bestPlacement(
  working: WorkingSnapshot,
  job: PendingJob,
  scorer: Scorer,
  allow?: Allow,
  context: ScoringContext = defaultContext(working),
): Placement | undefined {
  const request = job.resources;
  const best = scorer.stateOnly
    ? bestOfGroups(working, request, scorer, context, allow)
    : bestByNode(working.candidates(request), request, scorer, context, allow);
  if (best === undefined) return undefined;
  return {
    jobId: job.id,
    node: best.node.name,
    // A copy: remembered choices are shared between placements.
    gpuIndices: [...best.gpus.gpuIndices],
    gpuMilliPerGpu: best.gpus.gpuMilliPerGpu,
    cpuMilli: request.cpuMilli,
    memoryMiB: request.memoryMiB,
  };
}

/** Scores every candidate node: the reference the grouped search must agree with, and random's path. */
export function bestByNode(
  nodes: Iterable<WorkingNode>,
  request: ResourceRequest,
  scorer: Scorer,
  context: ScoringContext,
  allow?: Allow,
): Best | undefined {
  let best: Best | undefined;
  for (const node of nodes) {
    if (!passesAll(node, request) || (allow && !allow(node))) continue;
    best = bestOnNode(node, request, scorer, context, best);
  }
  return best;
}

/**
 * Each candidate group once, for its earliest (allowed) node. For scorers that try every GPU choice, a
 * state's best for this request shape is remembered (state-bests.ts): the same state scores the same. For a
 * scorer with a bound, a bucket of groups whose bound is below the best score found so far cannot hold the
 * winner (not even a tie on an earlier node), so it is skipped: which groups are scored changes, never which
 * one wins (the highest score, ties to the earlier node, whatever the visiting order).
 */
function bestOfGroups(
  working: WorkingSnapshot,
  request: ResourceRequest,
  scorer: Scorer,
  context: ScoringContext,
  allow?: Allow,
): Best | undefined {
  let best: Best | undefined;
  const memo =
    scorer.gpuChoice === 'every' && (scorer.stableAcrossSearches?.(request) ?? true)
      ? stateBestsOf(context, scorer)
      : undefined;
  const known = memo?.forRequest(request);
  const visitGroup = (group: NodeGroup) => {
    const node = allow === undefined ? group.members[0] : group.members.find(allow);
    if (node === undefined || !passesAll(node, request)) return;
    if (memo === undefined || known === undefined) {
      best = bestOnNode(node, request, scorer, context, best);
      return;
    }
    let onState: StateBest | undefined = known.get(node.stateId);
    if (onState === undefined) {
      onState = bestOnNode(node, request, scorer, context, undefined) ?? NO_CHOICE;
      memo.remember(known, node.stateId, onState);
    }
    if (onState !== NO_CHOICE) best = better(node, onState.gpus, onState.score, best);
  };
  const bound = scorer.bound;
  const skip =
    bound === undefined
      ? () => false
      : (minGpuMilliFree: number, maxResourceUse: number) =>
          best !== undefined && bound(request, minGpuMilliFree, maxResourceUse, context) < best.score;
  working.visitCandidateBuckets(request, skip, visitGroup);
  return best;
}

/** A state where the request has no GPU choice (passesAll should rule that out; kept exact anyway). */
const NO_CHOICE: StateBest = { gpus: { gpuIndices: [], gpuMilliPerGpu: 0 }, score: Number.NaN };

function bestOnNode(
  node: WorkingNode,
  request: ResourceRequest,
  scorer: Scorer,
  context: ScoringContext,
  best: Best | undefined,
): Best | undefined {
  if (scorer.gpuChoice !== 'every') {
    const gpus = chooseGpus(node, request);
    return gpus === undefined
      ? best
      : better(node, gpus, scorer.score({ node, request, gpus }, context), best);
  }
  for (const gpus of everyGpuChoice(node, request)) {
    best = better(node, gpus, scorer.score({ node, request, gpus }, context), best);
  }
  return best;
}

/** The new candidate if it beats `best`: a higher score, or an equal one on an earlier node. */
function better(node: WorkingNode, gpus: GpuChoice, score: number, best: Best | undefined): Best | undefined {
  if (
    best === undefined ||
    score > best.score ||
    (score === best.score && node.position < best.node.position)
  )
    return { node, gpus, score };
  return best;
}

const defaultContexts = new WeakMap<WorkingSnapshot, ScoringContext>();

function defaultContext(working: WorkingSnapshot): ScoringContext {
  let context = defaultContexts.get(working);
  if (context === undefined) {
    context = createScoringContext(working);
    defaultContexts.set(working, context);
  }
  return context;
}
