// Weighted dominant-resource fairness (DRF) between share identifiers: a share's dominant share is its
// largest fraction of the cluster's GPU, CPU or memory. Past usage (kept by the caller in FairShareState,
// decayed with a half-life) is added, and the sum is divided by the share's weight: the lowest value is
// served next.
import type { FairShareState, NodeState, Placement, ResourceRequest, Snapshot } from './types.ts';
import { MILLI_PER_GPU } from './types.ts';

/** An amount of the three resources fairness is judged on. */
export interface Usage {
  gpuMilli: number;
  cpuMilli: number;
  memoryMiB: number;
}

/** Every node counts, cordoned ones too: they are part of the cluster the shares divide. */
export function clusterCapacity(nodes: readonly NodeState[]): Usage {
  const capacity: Usage = { gpuMilli: 0, cpuMilli: 0, memoryMiB: 0 };
  for (const node of nodes) {
    capacity.gpuMilli += node.gpus.length * MILLI_PER_GPU;
    capacity.cpuMilli += node.cpuMilliTotal;
    capacity.memoryMiB += node.memoryMiBTotal;
  }
  return capacity;
}

/** What a job takes once placed: `members` times its request (whole GPUs win over a share). */
export function requestUsage(resources: ResourceRequest, members = 1): Usage {
  const gpuMilli = resources.gpus > 0 ? resources.gpus * MILLI_PER_GPU : Math.max(0, resources.gpuMilli);
  return {
    gpuMilli: gpuMilli * members,
    cpuMilli: resources.cpuMilli * members,
    memoryMiB: resources.memoryMiB * members,
  };
}

export function placementUsage(placements: readonly Placement[]): Usage {
  const usage: Usage = { gpuMilli: 0, cpuMilli: 0, memoryMiB: 0 };
  for (const placement of placements) addTo(usage, placementToUsage(placement));
  return usage;
}

/** The largest fraction of any resource; a resource the cluster has none of does not count. */
export function dominantShare(usage: Usage, capacity: Usage): number {
  return Math.max(
    fraction(usage.gpuMilli, capacity.gpuMilli),
    fraction(usage.cpuMilli, capacity.cpuMilli),
    fraction(usage.memoryMiB, capacity.memoryMiB),
  );
}

/** Each share's dominant share of the cluster from its running jobs ('' for jobs with no share). */
export function runningDominantShares(snapshot: Snapshot): Record<string, number> {
  const capacity = clusterCapacity(snapshot.nodes);
  const shares: Record<string, number> = {};
  for (const [share, usage] of runningUsageByShare(snapshot)) shares[share] = dominantShare(usage, capacity);
  return shares;
}

/**
 * Usage after `elapsedMs` of exponential decay: halves every `halfLifeMs`. A new record; the input is
 * not changed. Shares whose usage falls below 1e-9 are dropped so the record does not grow forever.
 */
export function decayUsage(
  usage: Readonly<Record<string, number>>,
  elapsedMs: number,
  halfLifeMs: number,
): Record<string, number> {
  const factor = halfLifeMs > 0 && elapsedMs > 0 ? 0.5 ** (elapsedMs / halfLifeMs) : 1;
  const decayed: Record<string, number> = {};
  for (const [share, value] of Object.entries(usage)) {
    const next = value * factor;
    if (next > 1e-9) decayed[share] = next;
  }
  return decayed;
}

/**
 * Adds a period of `elapsedMs` during which the snapshot's running jobs ran: each share gains its dominant
 * share times the seconds elapsed (dominant-share-seconds). A new record; the input is not changed.
 * Callers keep FairShareState.usage with `accrueUsage(decayUsage(usage, dt, halfLife), snapshot, dt)`.
 */
export function accrueUsage(
  usage: Readonly<Record<string, number>>,
  snapshot: Snapshot,
  elapsedMs: number,
): Record<string, number> {
  const accrued: Record<string, number> = { ...usage };
  if (elapsedMs <= 0) return accrued;
  for (const [share, dominant] of Object.entries(runningDominantShares(snapshot))) {
    accrued[share] = (accrued[share] ?? 0) + dominant * (elapsedMs / 1000);
  }
  return accrued;
}

/**
 * The fair-share values of one cycle. It starts from running usage and past usage and grows as the cycle
 * places jobs (progressive filling), so the next job comes from the share that is furthest behind.
 */
export class FairShareLedger {
  readonly #capacity: Usage;
  readonly #state: FairShareState | undefined;
  readonly #usage: Map<string, Usage>;
  readonly #pastDivisor: number;

  constructor(snapshot: Snapshot, state?: FairShareState) {
    this.#capacity = clusterCapacity(snapshot.nodes);
    this.#state = state;
    this.#usage = runningUsageByShare(snapshot);
    // Mean lifetime in seconds: decayed dominant-share-seconds divided by it is an average dominant share.
    const halfLifeMs = state?.halfLifeMs;
    this.#pastDivisor = halfLifeMs !== undefined && halfLifeMs > 0 ? halfLifeMs / 1000 / Math.LN2 : 1;
  }

  /** (current dominant share + past usage) / weight; lower is served first. */
  value(share: string): number {
    const current = dominantShare(this.#usage.get(share) ?? ZERO, this.#capacity);
    const past = Math.max(0, this.#state?.usage[share] ?? 0) / this.#pastDivisor;
    return (current + past) / this.#weight(share);
  }

  /** The share now also holds this much (a job of it was placed in this cycle). */
  charge(share: string, usage: Usage): void {
    const held = this.#usage.get(share);
    if (held === undefined) this.#usage.set(share, { ...usage });
    else addTo(held, usage);
  }

  /** A missing or non-positive weight counts as 1 (config validation rejects non-positive ones). */
  #weight(share: string): number {
    const weight = this.#state?.weights[share];
    return weight !== undefined && weight > 0 ? weight : 1;
  }
}

const ZERO: Usage = { gpuMilli: 0, cpuMilli: 0, memoryMiB: 0 };

function runningUsageByShare(snapshot: Snapshot): Map<string, Usage> {
  const byShare = new Map<string, Usage>();
  for (const job of snapshot.running ?? []) {
    const share = job.share ?? '';
    let usage = byShare.get(share);
    if (usage === undefined) {
      usage = { gpuMilli: 0, cpuMilli: 0, memoryMiB: 0 };
      byShare.set(share, usage);
    }
    for (const placement of job.placements) addTo(usage, placementToUsage(placement));
  }
  return byShare;
}

function placementToUsage(placement: Placement): Usage {
  return {
    gpuMilli: placement.gpuIndices.length * placement.gpuMilliPerGpu,
    cpuMilli: placement.cpuMilli,
    memoryMiB: placement.memoryMiB,
  };
}

function addTo(total: Usage, more: Usage): void {
  total.gpuMilli += more.gpuMilli;
  total.cpuMilli += more.cpuMilli;
  total.memoryMiB += more.memoryMiB;
}

function fraction(used: number, capacity: number): number {
  return capacity > 0 ? used / capacity : 0;
}
