// One scheduling cycle: offer pending jobs in fair order to a working copy of the cluster, assuming each
// placement so later jobs see the capacity it took. Jobs that do not fit may preempt (opt-in), and get
// reservations that other jobs may only backfill around: jobs blocked before the cycle starts (the first of
// each request shape) and the first job that does not fit as the cycle goes.
import {
  atLeastAsHard,
  findReservation,
  type Release,
  ReservationBook,
  type Restriction,
} from './backfill.ts';
import { type OverBudget, withoutOverBudget } from './budgets.ts';
import { FairShareLedger, requestUsage } from './fair-share.ts';
import { firstOfEachShapePerTurn, shapeKey, taskShapeKey } from './first-of-shape.ts';
import { createJobPlacer, type JobPlacer, placeJob } from './gang.ts';
import { comparePending, FairOrder, membersOf } from './order.ts';
import type { EngineOptions } from './placement-engine.ts';
import { findPreemption, outranks } from './preemption.ts';
import { RefusalCache } from './refusals.ts';
import { RequestMap } from './request-map.ts';
import { WorkingSnapshot } from './snapshot.ts';
import type {
  FairShareState,
  PendingJob,
  Placement,
  Preemption,
  Reservation,
  ScheduleResult,
  Snapshot,
  Unschedulable,
  UnschedulableReason,
} from './types.ts';

export interface ScheduleOptions extends EngineOptions {
  /** Weights and decayed past usage per share identifier; default: every weight 1, no past usage. */
  fairShare?: FairShareState;
  /** Reserve capacity for jobs that do not fit, and let other jobs only backfill; default true. */
  backfill?: boolean;
  /**
   * The previous cycle's `result.reservations`: their holders keep a claim until they start (only the job
   * ids are read; nodes and times are worked out afresh). Without it a holder whose nodes have drained
   * could lose them to the jobs ahead of it in the order, so pass it from cycle to cycle.
   */
  reservations?: readonly Reservation[];
  /**
   * Shares that used their whole GPU-hour budget (computed by the caller): their jobs are not offered at
   * all (not placed, reserved for or preempting) and wait with a BudgetExhausted reason; default none.
   */
  overBudget?: OverBudget;
}

/** Jobs that may look for victims per cycle: preemption what-ifs are the costly part of a cycle. */
export const MAX_PREEMPTION_SEARCHES = 16;
/** Jobs that may look for a reservation per cycle (the first that does not fit, and a few after it if
 * it can never get one, e.g. while nodes are cordoned). */
export const MAX_RESERVATION_SEARCHES = 4;
/** Request shapes blocked at the start of a cycle that get a new reservation before any job is offered. */
export const MAX_BLOCKED_RESERVATIONS = 4;
/** Shapes the start of a cycle checks for being blocked (each check is a placement search). */
export const MAX_BLOCKED_SHAPE_TESTS = 256;
/** Shapes per turn kept as the smallest met so far (bounds the starvable check on incomparable shapes). */
export const MAX_SMALLEST_SHAPES = 64;
/** Reservations made before any job is offered (kept ones first, then new ones), so they stay bounded. */
export const MAX_RESERVATIONS_AHEAD = 8;

/** Pure and deterministic: the same input gives the same result, and the input is not changed. */
export function schedule(
  snapshot: Snapshot,
  pending: readonly PendingJob[],
  options: ScheduleOptions = {},
): ScheduleResult {
  const { offered, waiting } = withoutOverBudget(pending, options.overBudget, snapshot.now ?? 0);
  const cycle = new Cycle(snapshot, options);
  cycle.reserveAhead(offered, options.reservations);
  const ledger = new FairShareLedger(snapshot, options.fairShare);
  const order = new FairOrder(offered, ledger);
  for (let job = order.next(); job !== undefined; job = order.next()) {
    // A queue's compute reservation holds capacity back for its shares not yet active: not a lack of
    // room, so the job neither preempts nor reserves for it.
    const held = ledger.reservationRefusal(job, requestUsage(job.resources, membersOf(job)));
    if (held !== undefined) cycle.refuse(job, held);
    else if (cycle.offer(job)) order.placed(job);
  }
  const result = cycle.result();
  if (waiting.length > 0) result.unschedulable.push(...waiting);
  return result;
}

class Cycle {
  readonly #snapshot: Snapshot;
  readonly #now: number;
  readonly #working: WorkingSnapshot;
  readonly #placer: JobPlacer;
  readonly #backfill: boolean;
  readonly #book: ReservationBook;
  /** Refusals of single tasks on all nodes: the common case, cached per request shape. */
  readonly #refusals: RefusalCache;
  /**
   * Other refusals (gangs, jobs kept off reserved nodes), per shape and restriction. Within a cycle the
   * committed state only loses capacity (what-ifs are rolled back), so a refusal stands for the whole cycle;
   * its numbers are those of the moment it was first refused, as in RefusalCache.
   */
  readonly #memo = new Map<string, UnschedulableReason>();
  /** The same for single tasks without sameLabel (most jobs kept off reserved nodes), by restriction key and
   * then by shape, without a string built per offer. */
  readonly #restrictedMemo = new Map<string, RequestMap<UnschedulableReason>>();
  /** Preemption searches that found nothing. Capacity only shrinks and victims only get claimed within a
   * cycle, so an identical job (same shape, priority and restriction) would find nothing either. */
  readonly #fruitless = new Set<string>();
  readonly #placements: Placement[] = [];
  readonly #unschedulable: Unschedulable[] = [];
  readonly #preemptions: Preemption[] = [];
  /** Capacity placed in this cycle that frees again at a known time (counts for reservations). */
  readonly #placedReleases: Release[] = [];
  readonly #claimed = new Set<string>();
  /** Running jobs asked to stop, by the job they make room for. */
  readonly #stoppingFor = new Map<string, { victims: string[]; placements: Placement[] }>();
  #reservationSearches = 0;
  #headReserved = false;
  #preemptionSearches = 0;

  constructor(snapshot: Snapshot, options: ScheduleOptions) {
    this.#snapshot = snapshot;
    this.#now = snapshot.now ?? 0;
    this.#working = new WorkingSnapshot(snapshot);
    this.#placer = createJobPlacer(this.#working, options);
    this.#backfill = options.backfill ?? true;
    this.#book = new ReservationBook(this.#now);
    this.#refusals = new RefusalCache(this.#working);
    for (const running of snapshot.running ?? []) {
      if (running.stopping === undefined) continue;
      const entry = this.#stoppingFor.get(running.stopping.forJobId) ?? { victims: [], placements: [] };
      entry.victims.push(running.id);
      entry.placements.push(...running.placements);
      this.#stoppingFor.set(running.stopping.forJobId, entry);
    }
  }

  /**
   * Before any job is offered: jobs that held a reservation in the previous cycle keep it, in the order they
   * held them (if they fit now, their nodes are held for them until their turn: `at` is now); then the first
   * job (in comparePending order) of each request shape that fits nowhere it may go right now gets one (at
   * most MAX_BLOCKED_RESERVATIONS new, MAX_RESERVATIONS_AHEAD in all). These hold from the start of the
   * cycle, also against the jobs ahead of the holder (of its queue priority or a lower one): otherwise the
   * small jobs ahead of a large one would take every GPU that frees before its turn came, and it would wait
   * for all of them. With them it starts once its nodes drain.
   */
  reserveAhead(pending: readonly PendingJob[], kept: readonly Reservation[] | undefined): void {
    if (!this.#backfill) return;
    this.#keepReservations(pending, kept ?? []);
    // With nothing running, nothing frees: no reservation can be found (and the scan is skipped).
    if ((this.#snapshot.running?.length ?? 0) === 0) return;
    const candidates: PendingJob[] = [];
    for (const turn of firstOfEachShapePerTurn(pending, comparePending)) {
      // Only a job with smaller ones ahead of it in its turn can be starved by them: between turns, fair
      // share and priority decide. `smallest` holds the shapes met so far that are not harder than an
      // earlier one: a shape harder than any shape ahead is harder than one of these (transitivity).
      const smallest: PendingJob[] = [];
      for (const job of turn.sort(comparePending)) {
        if (smallest.some((earlier) => atLeastAsHard(job, earlier))) candidates.push(job);
        else if (smallest.length < MAX_SMALLEST_SHAPES) smallest.push(job);
      }
    }
    let made = 0;
    let tests = 0;
    for (const job of candidates.sort(comparePending)) {
      if (made === MAX_BLOCKED_RESERVATIONS || this.#book.size >= MAX_RESERVATIONS_AHEAD) return;
      if (this.#book.has(job.id)) continue;
      if (tests++ === MAX_BLOCKED_SHAPE_TESTS) return;
      if (!this.#isRefused(job, this.#book.restrictionFor(job))) continue;
      if (this.#reserve(job, false)) made++;
    }
  }

  /**
   * Last cycle's claims stand while each is renewed, so renewing one cannot take another's drained nodes;
   * a renewal keeps off every other claim (forLater), so claims never overlap.
   */
  #keepReservations(pending: readonly PendingJob[], kept: readonly Reservation[]): void {
    if (kept.length === 0) return;
    const holders = new Map(kept.map((reservation, rank) => [reservation.jobId, rank]));
    const keeping = pending
      .filter((job) => holders.has(job.id))
      .sort((a, b) => holders.get(a.id)! - holders.get(b.id)!)
      .slice(0, MAX_RESERVATIONS_AHEAD);
    for (const job of keeping) this.#book.add(kept[holders.get(job.id)!]!, job, false);
    for (const job of keeping) {
      const now = this.#whatIf(job, this.#book.restrictionFor(job, true));
      this.#book.replace(
        job.id,
        now !== undefined
          ? { jobId: job.id, nodes: nodesOf(now), at: this.#now }
          : this.#findReservation(job),
      );
    }
  }

  /** A reservation for the job if some prefix of expected ends makes room for it; true if one was made. */
  #reserve(job: PendingJob, offered: boolean): boolean {
    const reservation = this.#findReservation(job);
    if (reservation === undefined) return false;
    this.#hold(job, reservation, offered);
    return true;
  }

  /** One reservation per job: a new one replaces what the job held. */
  #hold(job: PendingJob, reservation: Reservation, offered: boolean): void {
    if (this.#book.has(job.id)) this.#book.replace(job.id, reservation);
    else this.#book.add(reservation, job, offered);
  }

  /** Places the job if it fits; otherwise records why, and may preempt or reserve for it. True if placed. */
  offer(job: PendingJob): boolean {
    this.#book.offering(job.id);
    const restriction = this.#book.restrictionFor(job);
    const single = membersOf(job) === 1;
    const simple = single && restriction.allow === undefined;
    const restricted =
      !simple && single && job.sameLabel === undefined
        ? this.#restrictedRefusals(restriction.key)
        : undefined;
    const memoKey = simple || restricted !== undefined ? '' : `fit|${shapeKey(job)}|${restriction.key}`;
    const known = simple
      ? this.#refusals.get(job.resources)
      : restricted !== undefined
        ? restricted.get(job.resources)
        : this.#memo.get(memoKey);
    if (known === undefined) {
      // A shape needing at least as much as one already refused fits nowhere: explain it without a search
      // (the explanation reads the nodes, so a shape that does fit somewhere still gets searched).
      const pruned = simple && this.#refusals.dominated(job.resources) ? this.#explainFull(job) : undefined;
      if (pruned !== undefined) {
        this.#refusals.set(job.resources, pruned);
        this.#waits(job, pruned, restriction);
        return false;
      }
      const fit = placeJob(this.#placer, job, restriction.allow, true);
      if (fit.placements !== undefined) {
        this.#commit(job, fit.placements);
        return true;
      }
      const reason = this.#explain(job, fit, restriction);
      if (simple) this.#refusals.set(job.resources, reason);
      else if (restricted !== undefined) restricted.set(job.resources, reason);
      else this.#memo.set(memoKey, reason);
      this.#waits(job, reason, restriction);
    } else {
      this.#waits(job, known, restriction);
    }
    return false;
  }

  /** The job waits for a reason that is not about capacity (nothing is preempted or reserved for it). */
  refuse(job: PendingJob, reason: UnschedulableReason): void {
    this.#unschedulable.push({ jobId: job.id, reason });
  }

  #restrictedRefusals(restrictionKey: string): RequestMap<UnschedulableReason> {
    let refusals = this.#restrictedMemo.get(restrictionKey);
    if (refusals === undefined) {
      refusals = new RequestMap((request) => taskShapeKey(request, 1, undefined));
      this.#restrictedMemo.set(restrictionKey, refusals);
    }
    return refusals;
  }

  result(): ScheduleResult {
    return {
      placements: this.#placements,
      unschedulable: this.#unschedulable,
      preemptions: this.#preemptions,
      reservations: [...this.#book.reservations],
    };
  }

  #commit(job: PendingJob, placements: Placement[]): void {
    this.#placements.push(...placements);
    if (job.expectedDurationMs !== undefined)
      this.#placedReleases.push({ id: job.id, placements, endAt: this.#now + job.expectedDurationMs });
  }

  /** The job does not fit now: preempt for it if it may, else reserve for it if it is the head. */
  #waits(job: PendingJob, reason: UnschedulableReason, restriction: Restriction): void {
    const stopping = this.#stoppingFor.get(job.id);
    if (stopping !== undefined) {
      // Its victims are leaving: hold their nodes for it (as when they were chosen) and look for no more.
      if (!this.#book.has(job.id))
        this.#book.add({ jobId: job.id, nodes: nodesOf(stopping.placements), at: this.#now }, job, true);
      this.#unschedulable.push({
        jobId: job.id,
        reason: { kind: 'WaitingForPreemption', victims: stopping.victims },
      });
      return;
    }
    if (job.canPreempt === true && this.#preemptionSearches < MAX_PREEMPTION_SEARCHES) {
      const victims = this.#preempt(job, restriction);
      if (victims !== undefined) {
        this.#unschedulable.push({ jobId: job.id, reason: { kind: 'WaitingForPreemption', victims } });
        return;
      }
    }
    if (this.#book.has(job.id)) {
      this.#headReserved = true;
    } else if (
      this.#backfill &&
      !this.#headReserved &&
      this.#reservationSearches < MAX_RESERVATION_SEARCHES
    ) {
      this.#reservationSearches++;
      if (this.#reserve(job, true)) this.#headReserved = true;
    }
    this.#unschedulable.push({ jobId: job.id, reason });
  }

  /** Victims chosen for the job (and their nodes held for it this cycle), or undefined. */
  #preempt(job: PendingJob, restriction: Restriction): string[] | undefined {
    const key = `preempt|${shapeKey(job)}|${job.queuePriority ?? 0}|${job.priority}|${restriction.key}`;
    if (this.#fruitless.has(key)) return undefined;
    this.#preemptionSearches++;
    const candidates = (this.#snapshot.running ?? []).filter(
      (running) =>
        running.preemptible === true &&
        running.stopping === undefined &&
        !this.#claimed.has(running.id) &&
        outranks(job, running),
    );
    const choice = findPreemption({
      working: this.#working,
      candidates,
      gang: membersOf(job) > 1,
      place: (onNode) => {
        const allow = restriction.allow;
        if (onNode === undefined) return this.#fit(job, restriction);
        return placeJob(this.#placer, job, (node) => node.name === onNode && (allow?.(node) ?? true))
          .placements;
      },
    });
    if (choice === undefined) {
      this.#fruitless.add(key);
      return undefined;
    }
    for (const victim of choice.victims) {
      this.#claimed.add(victim.id);
      this.#preemptions.push({ jobId: victim.id, forJobId: job.id });
    }
    // Nothing else may take the room being made: the nodes are held for the job from now on.
    this.#hold(job, { jobId: job.id, nodes: nodesOf(choice.placements), at: this.#now }, true);
    return choice.victims.map((victim) => victim.id);
  }

  /** It would start later than now, so it keeps off every other reserved node (they never overlap). */
  #findReservation(job: PendingJob): Reservation | undefined {
    const restriction = this.#book.restrictionFor(job, true);
    return findReservation(
      this.#working,
      job,
      this.#runningReleases(),
      () => this.#fit(job, restriction),
      this.#placedReleases,
    );
  }

  /** Where the job would go now (the what-if placement is rolled back), or undefined if nowhere. */
  #whatIf(job: PendingJob, restriction: Restriction): Placement[] | undefined {
    const mark = this.#working.checkpoint();
    const placements = this.#fit(job, restriction);
    this.#working.rollbackTo(mark);
    return placements;
  }

  /**
   * Whether the job fits nowhere it may go now. A refusal already known answers without a search; a new
   * refusal of a single task on all nodes is cached for the rest of the cycle, as offer() would.
   */
  #isRefused(job: PendingJob, restriction: Restriction): boolean {
    const simple = membersOf(job) === 1 && restriction.allow === undefined;
    if (simple && this.#refusals.get(job.resources) !== undefined) return true;
    if (this.#whatIf(job, restriction) !== undefined) return false;
    const reason = simple ? this.#explainFull(job) : undefined;
    if (reason !== undefined) this.#refusals.set(job.resources, reason);
    return true;
  }

  #fit(job: PendingJob, restriction: Restriction): Placement[] | undefined {
    return placeJob(this.#placer, job, restriction.allow).placements;
  }

  /** Running jobs (not being preempted), by when they free capacity; this cycle's placements are #placedReleases. */
  #runningReleases(): Release[] {
    return (this.#snapshot.running ?? [])
      .filter((job) => !this.#claimed.has(job.id))
      .map((job) => ({
        id: job.id,
        placements: job.placements,
        endAt: job.stopping === undefined ? job.expectedEndAt : Math.min(job.expectedEndAt, job.stopping.by),
      }));
  }

  /** Why one task of the job fits no node at all; undefined when it fits one. */
  #explainFull(job: PendingJob): UnschedulableReason | undefined {
    return this.#working.explain(job.resources);
  }

  #explain(
    job: PendingJob,
    fit: { fitting: number; label?: string },
    restriction: Restriction,
  ): UnschedulableReason {
    const members = membersOf(job);
    if (members > 1 && fit.fitting > 0) {
      return { kind: 'GangDoesNotFit', members, fitting: fit.fitting, label: fit.label };
    }
    const reason = this.#explainFull(job);
    if (reason !== undefined) return reason;
    // A task fits some node, but not one it may use.
    if (restriction.blocking !== undefined) {
      return { kind: 'NodesReserved', forJobId: restriction.blocking.jobId, at: restriction.blocking.at };
    }
    if (members > 1) return { kind: 'GangDoesNotFit', members, fitting: fit.fitting, label: fit.label };
    // Only a disagreement between the node index and the filters could get here: a bug, so be loud.
    throw new Error(`job ${job.id} fits a node that the node index did not offer`);
  }
}

function nodesOf(placements: readonly Placement[]): string[] {
  return [...new Set(placements.map((p) => p.node))].sort();
}
