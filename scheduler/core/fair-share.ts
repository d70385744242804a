// Weighted dominant-resource fairness (DRF) between share identifiers: a share's dominant share is its
// largest fraction of the cluster's GPU, CPU or memory. Past usage (kept by the caller in FairShareState,
// decayed with a half-life) is added, and the sum is divided by the share's weight: the lowest value is
// served next.
import type {
  FairShareState,
  NodeState,
  Placement,
  QueueFairSharePolicy,
  ResourceRequest,
  Snapshot,
  UnschedulableReason,
} from './types.ts';
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

type QueuePolicies = FairShareState['queuePolicies'];

/**
 * The key a job's usage and fair-share value are kept under: its share identifier ('' for none), or
 * `queue/share` when its queue has its own policy, so the queue's shares are divided apart from the rest.
 * A queue name never contains "/", so the queue is the part before the first one.
 */
export function fairShareKey(job: { queue: string; share?: string }, policies: QueuePolicies): string {
  const share = job.share ?? '';
  return policies?.[job.queue] === undefined ? share : `${job.queue}/${share}`;
}

/** The policy a key belongs to (its queue's), or undefined for a scheduler-wide share. */
export function policyOfKey(key: string, policies: QueuePolicies): QueueFairSharePolicy | undefined {
  if (policies === undefined) return undefined;
  const slash = key.indexOf('/');
  return slash < 0 ? undefined : policies[key.slice(0, slash)];
}

/** Each key's dominant share of the cluster from its running jobs (keys as fairShareKey). */
export function runningDominantShares(snapshot: Snapshot, policies?: QueuePolicies): Record<string, number> {
  const capacity = clusterCapacity(snapshot.nodes);
  const shares: Record<string, number> = {};
  for (const [share, { usage }] of runningUsageByKey(snapshot, policies))
    shares[share] = dominantShare(usage, capacity);
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
 * decayUsage with each key's own half-life: a queue policy's for its `queue/share` keys (0: forgotten at
 * once), `halfLifeMs` for the rest.
 */
export function decayUsageByKey(
  usage: Readonly<Record<string, number>>,
  elapsedMs: number,
  halfLifeMs: number,
  policies: QueuePolicies,
): Record<string, number> {
  const decayed: Record<string, number> = {};
  for (const [key, value] of Object.entries(usage)) {
    const policy = policyOfKey(key, policies);
    const halfLife = policy?.halfLifeMs ?? halfLifeMs;
    // A policy's half-life of 0 keeps no past at all; the scheduler-wide one is at least 1 s.
    const factor = elapsedMs <= 0 ? 1 : halfLife > 0 ? 0.5 ** (elapsedMs / halfLife) : policy ? 0 : 1;
    const next = value * factor;
    if (next > 1e-9) decayed[key] = next;
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
  policies?: QueuePolicies,
): Record<string, number> {
  const accrued: Record<string, number> = { ...usage };
  if (elapsedMs <= 0) return accrued;
  for (const [share, dominant] of Object.entries(runningDominantShares(snapshot, policies))) {
    accrued[share] = (accrued[share] ?? 0) + dominant * (elapsedMs / 1000);
  }
  return accrued;
}

/**
 * The fair-share values of one cycle, per key (fairShareKey). It starts from running usage and past usage
 * and grows as the cycle places jobs (progressive filling), so the next job comes from the share that is
 * furthest behind. A queue with its own policy judges its shares by its own weights and half-life, and
 * holds back its compute reservation.
 */
export class FairShareLedger {
  readonly #capacity: Usage;
  readonly #state: FairShareState | undefined;
  /** Held now (running, then placed in this cycle) per key, with the queue of a queue policy's key. */
  readonly #usage: Map<string, { queue?: string; usage: Usage }>;
  readonly #pastDivisor: number;

  constructor(snapshot: Snapshot, state?: FairShareState) {
    this.#capacity = clusterCapacity(snapshot.nodes);
    this.#state = state;
    this.#usage = runningUsageByKey(snapshot, state?.queuePolicies);
    this.#pastDivisor = meanLifetimeSeconds(state?.halfLifeMs) ?? 1;
  }

  /** The key the job's share is judged under. */
  keyOf(job: { queue: string; share?: string }): string {
    return fairShareKey(job, this.#state?.queuePolicies);
  }

  /** (current dominant share + past usage) / weight; lower is served first. */
  value(key: string): number {
    const current = dominantShare(this.#usage.get(key)?.usage ?? ZERO, this.#capacity);
    const policy = policyOfKey(key, this.#state?.queuePolicies);
    // Decayed dominant-share-seconds divided by the mean lifetime is an average dominant share.
    const divisor = policy ? meanLifetimeSeconds(policy.halfLifeMs) : this.#pastDivisor;
    const past = divisor === undefined ? 0 : Math.max(0, this.#state?.usage[key] ?? 0) / divisor;
    return (current + past) / this.#weight(key, policy);
  }

  /** The job's key now also holds this much (a job of it was placed in this cycle). */
  charge(job: { queue: string; share?: string }, usage: Usage): void {
    const key = this.keyOf(job);
    const held = this.#usage.get(key);
    if (held === undefined) this.#usage.set(key, { queue: job.queue, usage: { ...usage } });
    else addTo(held.usage, usage);
  }

  /**
   * Undefined when the job's queue may take `request` more; otherwise why not: its policy's compute
   * reservation keeps `(r/100)^n` of the capacity for shares not yet active, n counting the queue's shares
   * that hold capacity and the job's own.
   */
  reservationRefusal(
    job: { queue: string; share?: string },
    request: Usage,
  ): UnschedulableReason | undefined {
    const policy = this.#state?.queuePolicies?.[job.queue];
    if (policy === undefined || policy.computeReservation <= 0) return undefined;
    const key = this.keyOf(job);
    const active = new Set([key]);
    const total: Usage = { ...request };
    for (const [held, { queue, usage }] of this.#usage) {
      if (queue !== job.queue || isZero(usage)) continue;
      active.add(held);
      addTo(total, usage);
    }
    const reserved = (policy.computeReservation / 100) ** active.size;
    if (dominantShare(total, this.#capacity) <= 1 - reserved + 1e-9) return undefined;
    return {
      kind: 'ComputeReservation',
      queue: job.queue,
      reservedPercent: reserved * 100,
      activeShares: active.size,
    };
  }

  /** A missing or non-positive weight counts as 1 (validation rejects non-positive ones). */
  #weight(key: string, policy: QueueFairSharePolicy | undefined): number {
    const weight = policy ? policy.weights[key.slice(key.indexOf('/') + 1)] : this.#state?.weights[key];
    return weight !== undefined && weight > 0 ? weight : 1;
  }
}

/** Decayed usage integrates to half-life / ln 2 seconds per unit of share; undefined when nothing is kept. */
function meanLifetimeSeconds(halfLifeMs: number | undefined): number | undefined {
  return halfLifeMs !== undefined && halfLifeMs > 0 ? halfLifeMs / 1000 / Math.LN2 : undefined;
}

function isZero(usage: Usage): boolean {
  return usage.gpuMilli <= 0 && usage.cpuMilli <= 0 && usage.memoryMiB <= 0;
}

const ZERO: Usage = { gpuMilli: 0, cpuMilli: 0, memoryMiB: 0 };

function runningUsageByKey(
  snapshot: Snapshot,
  policies: QueuePolicies,
): Map<string, { queue?: string; usage: Usage }> {
  const byKey = new Map<string, { queue?: string; usage: Usage }>();
  for (const job of snapshot.running ?? []) {
    const key = fairShareKey(job, policies);
    let held = byKey.get(key);
    if (held === undefined) {
      held = { queue: job.queue, usage: { gpuMilli: 0, cpuMilli: 0, memoryMiB: 0 } };
      byKey.set(key, held);
    }
    for (const placement of job.placements) addTo(held.usage, placementToUsage(placement));
  }
  return byKey;
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
