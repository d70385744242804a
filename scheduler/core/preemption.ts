// Preemption: a job that may preempt (canPreempt) and does not fit asks which running jobs to stop. Only
// preemptible jobs of strictly lower priority (queue priority first, then job priority) may be chosen; the
// fewest of them, the youngest first, on one node (a gang: on the nodes its members would use). Every
// what-if releases victims in the working snapshot, places the job through the engine and rolls back.
import { knows } from './backfill.ts';
import type { WorkingSnapshot } from './snapshot.ts';
import type { Placement, RunningJob } from './types.ts';

interface Ranked {
  queuePriority?: number;
  priority: number;
}

/** Strictly higher: queue priority first, then job priority. Equal never outranks. */
export function outranks(a: Ranked, b: Ranked): boolean {
  const queueA = a.queuePriority ?? 0;
  const queueB = b.queuePriority ?? 0;
  if (queueA !== queueB) return queueA > queueB;
  return a.priority > b.priority;
}

/** Most victim sets tried by exact search (fewest first) before falling back to greedy minimisation. */
const EXACT_SEARCH_TRIES = 64;
/** Most nodes examined for one job (youngest candidates first): bounds the cost in a large, full cluster. */
export const MAX_NODES_EXAMINED = 256;

export interface PreemptionChoice {
  victims: RunningJob[];
  /** Where the job would go once the victims are gone. */
  placements: Placement[];
}

export interface PreemptionSearch {
  working: WorkingSnapshot;
  /** Running jobs that may be chosen: preemptible, outranked by the job, not chosen already. */
  candidates: readonly RunningJob[];
  /** Places the job (assuming it) on nodes `onNode` allows (all when undefined), or undefined. */
  place: (onNode?: string) => Placement[] | undefined;
  /** A single task looks node by node; a gang looks at all its nodes at once. */
  gang: boolean;
}

/** undefined when no set of candidates makes room. Deterministic for the same input. */
export function findPreemption(search: PreemptionSearch): PreemptionChoice | undefined {
  const candidates = search.candidates
    .filter((job) => job.placements.length > 0 && job.placements.every((p) => knows(search.working, p)))
    .sort(youngestFirst);
  if (candidates.length === 0) return undefined;
  return search.gang ? forGang(search, candidates) : forOneNode(search, candidates);
}

function forOneNode(
  search: PreemptionSearch,
  candidates: readonly RunningJob[],
): PreemptionChoice | undefined {
  const byNode = new Map<string, RunningJob[]>();
  for (const job of candidates) {
    for (const node of new Set(job.placements.map((p) => p.node))) {
      const onNode = byNode.get(node) ?? [];
      onNode.push(job);
      byNode.set(node, onNode);
    }
  }
  const position = (name: string) => search.working.node(name)!.position;
  // Nodes with the youngest candidates first (then snapshot order): a lone victim found early is hard to beat.
  const nodes = [...byNode]
    .sort(([a, onA], [b, onB]) => onB[0]!.startedAt - onA[0]!.startedAt || position(a) - position(b))
    .slice(0, MAX_NODES_EXAMINED);
  let best: { victims: RunningJob[]; node: string } | undefined;
  for (const [node, victims] of nodes) {
    // One victim is the fewest possible; no later node has a younger one to offer.
    if (best?.victims.length === 1 && victims[0]!.startedAt <= best.victims[0]!.startedAt) break;
    // Cheap bound first: a node where even all of them are not enough is skipped.
    if (whatIf(search, victims, node) === undefined) continue;
    const chosen = fewestVictims(victims, (set) => whatIf(search, set, node) !== undefined);
    if (best === undefined || better(chosen, best.victims)) best = { victims: chosen, node };
  }
  if (best === undefined) return undefined;
  return { victims: best.victims, placements: whatIf(search, best.victims, best.node)! };
}

function forGang(search: PreemptionSearch, candidates: readonly RunningJob[]): PreemptionChoice | undefined {
  const withAll = whatIf(search, candidates);
  if (withAll === undefined) return undefined;
  // Only victims on the nodes the gang would use matter; fall back to all if that alone does not fit.
  const used = new Set(withAll.map((p) => p.node));
  const onUsed = candidates.filter((job) => job.placements.some((p) => used.has(p.node)));
  const pool = whatIf(search, onUsed) !== undefined ? onUsed : candidates;
  const victims = fewestVictims(pool, (set) => whatIf(search, set) !== undefined);
  return { victims, placements: whatIf(search, victims)! };
}

/** Releases the victims, places the job, rolls everything back; the placements it would get, if any. */
function whatIf(
  search: PreemptionSearch,
  victims: readonly RunningJob[],
  node?: string,
): Placement[] | undefined {
  const { working } = search;
  const mark = working.checkpoint();
  for (const victim of victims) for (const placement of victim.placements) working.release(placement);
  const placements = search.place(node);
  working.rollbackTo(mark);
  return placements;
}

/**
 * The smallest subset (youngest-first order breaks ties) that fits, by exact search over sizes 1, 2, ...
 * for up to EXACT_SEARCH_TRIES sets; beyond that, greedy: start from all and keep running each victim,
 * oldest first, whose stop is not needed. Either way no victim in the result could be spared.
 * `candidates` are youngest first and all of them together fit.
 */
export function fewestVictims<T>(candidates: readonly T[], fits: (set: readonly T[]) => boolean): T[] {
  let tries = 0;
  for (let size = 1; size < candidates.length; size++) {
    for (const indices of combinations(candidates.length, size)) {
      if (++tries > EXACT_SEARCH_TRIES) return greedy(candidates, fits);
      const set = indices.map((index) => candidates[index]!);
      if (fits(set)) return set;
    }
  }
  return greedy(candidates, fits);
}

function greedy<T>(candidates: readonly T[], fits: (set: readonly T[]) => boolean): T[] {
  let set = [...candidates];
  for (let n = candidates.length - 1; n >= 0 && set.length > 1; n--) {
    const without = set.filter((item) => item !== candidates[n]);
    if (fits(without)) set = without;
  }
  return set;
}

/** Index sets of `size` out of 0..count-1 in lexicographic order (lower indices = younger first). */
function* combinations(count: number, size: number): Generator<number[]> {
  const indices = Array.from({ length: size }, (_, n) => n);
  for (;;) {
    yield [...indices];
    let at = size - 1;
    while (at >= 0 && indices[at] === count - size + at) at--;
    if (at < 0) return;
    indices[at]!++;
    for (let next = at + 1; next < size; next++) indices[next] = indices[next - 1]! + 1;
  }
}

/** Latest start first; id breaks ties so the order is total. */
function youngestFirst(a: RunningJob, b: RunningJob): number {
  if (a.startedAt !== b.startedAt) return b.startedAt - a.startedAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Fewer victims first; then the set whose oldest victim started latest. */
function better(a: readonly RunningJob[], b: readonly RunningJob[]): boolean {
  if (a.length !== b.length) return a.length < b.length;
  return oldestStart(a) > oldestStart(b);
}

function oldestStart(victims: readonly RunningJob[]): number {
  return Math.min(...victims.map((job) => job.startedAt));
}
