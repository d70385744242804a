// Reservations and backfill. A job that does not fit gets the nodes expected to free enough capacity for
// it first (found by releasing running jobs in order of their expected end); other jobs may use those nodes
// in this cycle only if they will have ended by then, so the holder is never starved by a stream of smaller
// jobs.

import { sameTurn } from './first-of-shape.ts';
import type { NodeFilter } from './gang.ts';
import { membersOf } from './order.ts';
import { harder } from './refusals.ts';
import { ReleaseOrder } from './release-order.ts';
import type { WorkingSnapshot } from './snapshot.ts';
import type { PendingJob, Placement, Reservation } from './types.ts';

/** Capacity that frees at `endAt`: a running job, or one placed earlier in this cycle with a duration. */
export interface Release {
  id: string;
  placements: readonly Placement[];
  endAt: number;
}

/**
 * The earliest moment the job would fit if releases happen in order of `endAt`, and the nodes it would use
 * then; undefined when it would not fit even with all of them gone. `place` places the job (assuming it) or
 * returns undefined; its assumes are rolled back here. Fitting only gets easier as capacity frees, so the
 * shortest prefix is found by galloping then bisecting: O(log n) fits and O(k) releases for a prefix of k.
 * `placedHere` are releases of placements assumed in this working snapshot (their nodes and GPUs are known
 * to it, so they are not checked); they come after `releases` in the order between equal ends and ids.
 */
export function findReservation(
  working: WorkingSnapshot,
  job: PendingJob,
  releases: readonly Release[],
  place: () => Placement[] | undefined,
  placedHere: readonly Release[] = [],
): Reservation | undefined {
  const usable: Release[] = [];
  for (const release of releases)
    if (Number.isFinite(release.endAt) && knowsAll(working, release)) usable.push(release);
  for (const release of placedHere) if (Number.isFinite(release.endAt)) usable.push(release);
  if (usable.length === 0) return undefined;
  const ordered = new ReleaseOrder(usable);
  const base = working.checkpoint();
  let released = 0;
  const releaseUpTo = (count: number) => {
    for (; released < count; released++) for (const p of ordered.at(released).placements) working.release(p);
  };
  const fitsNow = (): Placement[] | undefined => {
    const mark = working.checkpoint();
    const placements = place();
    working.rollbackTo(mark);
    return placements;
  };
  // Gallop: 1, 2, 4, ... releases until the job fits. `lowMark` holds the state after `low` releases.
  let low = 0;
  let lowMark = base;
  let high = 0;
  let found: Placement[] | undefined;
  for (let count = 1; ; count = Math.min(ordered.length, count * 2)) {
    releaseUpTo(count);
    found = fitsNow();
    if (found !== undefined) {
      high = count;
      break;
    }
    if (count === ordered.length) {
      working.rollbackTo(base);
      return undefined;
    }
    low = count;
    lowMark = working.checkpoint();
  }
  // Bisect (low, high]: it does not fit after `low` releases and fits after `high`.
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    working.rollbackTo(lowMark);
    released = low;
    releaseUpTo(middle);
    const placements = fitsNow();
    if (placements !== undefined) {
      high = middle;
      found = placements;
    } else {
      low = middle;
      lowMark = working.checkpoint();
    }
  }
  working.rollbackTo(base);
  const nodes = [...new Set(found!.map((p) => p.node))].sort();
  return { jobId: job.id, nodes, at: ordered.at(high - 1).endAt };
}

function knowsAll(working: WorkingSnapshot, release: Release): boolean {
  for (const placement of release.placements) if (!knows(working, placement)) return false;
  return true;
}

/** A placement can be released only onto nodes and GPUs the snapshot has (a node may have gone). */
export function knows(working: WorkingSnapshot, placement: Placement): boolean {
  const node = working.node(placement.node);
  if (node === undefined) return false;
  for (const index of placement.gpuIndices) if (!hasGpu(node.gpus, index)) return false;
  return true;
}

/** GPUs are sorted by index and usually numbered from 0, so the one at position `index` is tried first. */
function hasGpu(gpus: readonly { index: number }[], index: number): boolean {
  if (gpus[index]?.index === index) return true;
  for (const gpu of gpus) if (gpu.index === index) return true;
  return false;
}

/** Which nodes a job may not use because of the reservations made so far in this cycle. */
export interface Restriction {
  /** undefined when nothing is held against the job. */
  allow?: NodeFilter;
  /** Identifies the restriction, for caching refusals per shape and restriction. */
  key: string;
  /** The first reservation held against the job (its reason when it fits only on reserved nodes). */
  blocking?: Reservation;
}

const UNRESTRICTED: Restriction = { key: '' };

interface Held {
  reservation: Reservation;
  holder: PendingJob;
  /** The holder has been offered in this cycle: every job offered after it comes later in the order. */
  offered: boolean;
}

/**
 * Every node that can hold `job` can hold `than` too: as many gang members or more, the same `sameLabel`,
 * and each member at least as hard to place (refusals.ts `harder`). A job as hard as a holder is not held
 * back by its reservation: it cannot starve the holder the way a stream of smaller jobs can, and among
 * equals the cycle's order (fair share, priority, FIFO) decides.
 */
export function atLeastAsHard(job: PendingJob, than: PendingJob): boolean {
  return (
    membersOf(job) >= membersOf(than) &&
    (job.sameLabel ?? '') === (than.sameLabel ?? '') &&
    harder(job.resources, than.resources)
  );
}

export class ReservationBook {
  readonly #now: number;
  readonly #held: Held[] = [];
  readonly #filters = new Map<string, NodeFilter>();
  /** Restrictions by the bit mask of the held reservations they keep a job off (while at most 31 are
   * held): every offer asks for its restriction, and most get one of a few, so none is built per offer. */
  readonly #byMask = new Map<number, Restriction>();

  constructor(now: number) {
    this.#now = now;
  }

  get reservations(): Reservation[] {
    return this.#held.map((held) => held.reservation);
  }

  get size(): number {
    return this.#held.length;
  }

  has(jobId: string): boolean {
    return this.#held.some((held) => held.reservation.jobId === jobId);
  }

  /**
   * Within a cycle capacity only shrinks, so a holder (it did not fit) is not placed later in the cycle.
   * `offered`: made while the holder is being offered (the head, a preemption), not before the offers.
   */
  add(reservation: Reservation, holder: PendingJob, offered: boolean): void {
    this.#held.push({ reservation, holder, offered });
  }

  /** The job is being offered now: jobs offered from now on come after it in the order. */
  offering(jobId: string): void {
    for (const held of this.#held) {
      if (held.reservation.jobId !== jobId || held.offered) continue;
      held.offered = true;
    }
  }

  /** Renews the holder's reservation in place (its rank among the others stays), or drops it. */
  replace(jobId: string, reservation: Reservation | undefined): void {
    const index = this.#held.findIndex((held) => held.reservation.jobId === jobId);
    if (index < 0) return;
    if (reservation === undefined) this.#held.splice(index, 1);
    else this.#held[index] = { ...this.#held[index]!, reservation };
    this.#filters.clear();
    this.#byMask.clear();
  }

  /**
   * A job may use a reserved node only if it will have ended (now + expectedDurationMs) by the
   * reservation's time; a job with no expected duration may not use reserved nodes at all. Which
   * reservations hold a job back, if it is easier to place than the holder (not atLeastAsHard: one at
   * least as hard fits only where the holder would): those of holders already offered in this cycle (the
   * job comes after them in the order: classic backfill), and, of holders not yet offered (the job comes
   * first), only those of its own turn (sameTurn: queue priority, share, job priority): the small jobs
   * FIFO puts ahead of a large one. Never its own, nor a lower queue priority's. `forLater`
   * (looking for a reservation, which starts later than now) keeps the job off every other reserved node,
   * so reservation searches never pick reserved nodes.
   */
  restrictionFor(job: PendingJob, forLater = false): Restriction {
    if (this.#held.length === 0) return UNRESTRICTED;
    const duration = job.expectedDurationMs;
    const queuePriority = job.queuePriority ?? 0;
    const masked = this.#held.length <= 31;
    let mask = 0;
    const held: number[] = []; // only filled when more than 31 are held
    for (let n = 0; n < this.#held.length; n++) {
      const { reservation, holder } = this.#held[n]!;
      if (reservation.jobId === job.id) continue;
      if (!forLater) {
        if (queuePriority > (holder.queuePriority ?? 0) || atLeastAsHard(job, holder)) continue;
        if (!this.#held[n]!.offered && !sameTurn(job, holder)) continue;
        if (duration !== undefined && this.#now + duration <= reservation.at) continue;
      }
      if (masked) mask |= 1 << n;
      else held.push(n);
    }
    if (!masked) return this.#restriction(held);
    if (mask === 0) return UNRESTRICTED;
    let restriction = this.#byMask.get(mask);
    if (restriction === undefined) {
      const indices: number[] = [];
      for (let n = 0; n < this.#held.length; n++) if ((mask & (1 << n)) !== 0) indices.push(n);
      restriction = this.#restriction(indices);
      this.#byMask.set(mask, restriction);
    }
    return restriction;
  }

  /** The restriction keeping a job off the nodes of these held reservations (indices, ascending). */
  #restriction(held: readonly number[]): Restriction {
    if (held.length === 0) return UNRESTRICTED;
    const key = held.join(',');
    let allow = this.#filters.get(key);
    if (allow === undefined) {
      const blocked = new Set(held.flatMap((n) => this.#held[n]!.reservation.nodes));
      allow = (node) => !blocked.has(node.name);
      this.#filters.set(key, allow);
    }
    return { allow, key, blocking: this.#held[held[0]!]!.reservation };
  }
}
