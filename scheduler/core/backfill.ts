// Reservations and backfill. The head job that does not fit gets the nodes expected to free enough
// capacity for it first (found by releasing running jobs in order of their expected end); later jobs may
// use those nodes in this cycle only if they will have ended by then, so the head job is never starved by
// a stream of smaller jobs.
import type { NodeFilter } from './gang.ts';
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
 */
export function findReservation(
  working: WorkingSnapshot,
  job: PendingJob,
  releases: readonly Release[],
  place: () => Placement[] | undefined,
): Reservation | undefined {
  const ordered = releases
    .filter((release) => Number.isFinite(release.endAt) && release.placements.every((p) => knows(working, p)))
    .sort((a, b) => a.endAt - b.endAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (ordered.length === 0) return undefined;
  const base = working.checkpoint();
  let released = 0;
  const releaseUpTo = (count: number) => {
    for (; released < count; released++) for (const p of ordered[released]!.placements) working.release(p);
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
  return { jobId: job.id, nodes, at: ordered[high - 1]!.endAt };
}

/** A placement can be released only onto nodes and GPUs the snapshot has (a node may have gone). */
export function knows(working: WorkingSnapshot, placement: Placement): boolean {
  const node = working.node(placement.node);
  return (
    node !== undefined && placement.gpuIndices.every((index) => node.gpus.some((gpu) => gpu.index === index))
  );
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

export class ReservationBook {
  readonly #now: number;
  readonly #reservations: Reservation[] = [];
  readonly #filters = new Map<string, NodeFilter>();

  constructor(now: number) {
    this.#now = now;
  }

  get reservations(): readonly Reservation[] {
    return this.#reservations;
  }

  add(reservation: Reservation): void {
    this.#reservations.push(reservation);
  }

  /**
   * A job may use a reserved node only if it will have ended (now + expectedDurationMs) by the
   * reservation's time; a job with no expected duration may not use reserved nodes at all.
   */
  restrictionFor(job: PendingJob): Restriction {
    if (this.#reservations.length === 0) return UNRESTRICTED;
    const duration = job.expectedDurationMs;
    const held: number[] = [];
    for (let n = 0; n < this.#reservations.length; n++) {
      const reservation = this.#reservations[n]!;
      if (duration === undefined || !(this.#now + duration <= reservation.at)) held.push(n);
    }
    if (held.length === 0) return UNRESTRICTED;
    const key = held.join(',');
    let allow = this.#filters.get(key);
    if (allow === undefined) {
      const blocked = new Set(held.flatMap((n) => this.#reservations[n]!.nodes));
      allow = (node) => !blocked.has(node.name);
      this.#filters.set(key, allow);
    }
    return { allow, key, blocking: this.#reservations[held[0]!] };
  }
}
