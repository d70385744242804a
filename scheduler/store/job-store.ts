// Job records in Redis: creation with idempotency, compare-and-set transitions, listing, progress.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { JobSpec } from '../../api/schemas/job-spec.ts';
import { childSpec } from '../array-children.ts';
import type { SavedBudgetUsage } from '../budget-ledger.ts';
import type { NodeState } from '../core/types.ts';
import { type JobProgress, type JobRecord, type JobStatus, TERMINAL_STATUSES } from '../job-record.ts';
import type { ScaleSignal } from '../scale-signal.ts';
import { DEFAULT_TENANT } from '../tenant.ts';
import { type CreateOrigin, DependencyStore, graphKeys, statusCounts } from './dependency-store.ts';
import { FencedError, StaleRecordError, TenantQueuedLimitError } from './errors.ts';
import { DEFAULT_EVENTS_MAX_LEN, eventsArg } from './event-lua.ts';
import { migrateIndexesOnce } from './index-migration.ts';
import { type JobIndexPage, type JobPageQuery, listJobs } from './job-index.ts';
import { CAS_JOB, CREATE_JOB, SET_FENCED, SET_PROGRESS } from './lua.ts';
import { PrefixedStore, type StoreOptions } from './prefixed-store.ts';
import { EXPIRE_FINISHED_JOBS } from './retention-store.ts';
import { runScript } from './run-script.ts';
import { QUEUED_LIMIT_REPLY } from './tenant-lua.ts';

/** At most one progress event a job per this interval on the events stream (the last report always). */
export const PROGRESS_EVENT_INTERVAL_MS = 1000;

export interface StoredJob {
  record: JobRecord;
  version: number;
}

/** A Lua script with its keys and arguments: what one store write sends (bulk loaders pipeline these). */
export interface ScriptCall {
  script: string;
  keys: string[];
  args: string[];
}

/** What the leader expects for a waiting job; shown on RUNNABLE records, never persisted in them. */
export interface WaitEstimate {
  estimatedStartAt?: number;
  suggestions?: string[];
}

/** A change to a job: the new record computed from the current one (undefined = no change). */
export type JobUpdate = (current: JobRecord) => JobRecord | undefined;

/** Fair-share usage per share (decayed dominant-share-seconds) as of `at`, ms. */
export interface SavedUsage {
  usage: Record<string, number>;
  at: number;
}

export class JobStore extends PrefixedStore {
  /** Parents' specs (immutable) for the children, which are stored without one. */
  private readonly parentSpecs = new Map<string, JobSpec>();
  /** Dependencies and array jobs: their creation, release and outbox. */
  readonly graph: DependencyStore;

  /** About how many events the events stream keeps (XADD MAXLEN ~): the replay window of GET /v1/events. */
  private readonly eventsMaxLen: number;

  constructor(redis: Redis, options: StoreOptions & { eventsMaxLen?: number } = {}) {
    super(redis, options);
    this.eventsMaxLen = options.eventsMaxLen ?? DEFAULT_EVENTS_MAX_LEN;
    this.graph = new DependencyStore(redis, this.keys, this.now, (id) => this.get(id), this.eventsMaxLen);
  }

  /**
   * Stores a new SUBMITTED job, or returns the existing one when the idempotency key (its tenant's) was
   * used before; TenantQueuedLimitError when it would take its tenant over `origin.maxQueuedJobs`.
   * `moveOn` may take the new record further before it is stored (a job with nothing to wait for goes
   * straight on to RUNNABLE, every step an event), so that is one write, not two.
   */
  async create(
    spec: JobSpec,
    origin: CreateOrigin = {},
    moveOn?: (submitted: JobRecord) => JobRecord,
  ): Promise<{ record: JobRecord; created: boolean }> {
    const submitted = this.submittedRecord(spec, origin);
    const record = moveOn ? moveOn(submitted) : submitted;
    const call = this.createCall(record, origin.maxQueuedJobs);
    let reply: [string, number];
    try {
      reply = (await runScript(this.redis, call.script, call.keys, call.args)) as [string, number];
    } catch (error) {
      const limited = QUEUED_LIMIT_REPLY.exec((error as Error).message);
      if (limited && origin.maxQueuedJobs !== undefined)
        throw new TenantQueuedLimitError(record.tenant, origin.maxQueuedJobs, Number(limited[1]), 1);
      throw error;
    }
    const [id, created] = reply;
    if (created === 1) return { record, created: true };
    const existing = await this.get(id);
    if (!existing) throw new Error(`idempotency key points at missing job ${id}`);
    return { record: existing, created: false };
  }

  /** A new job's record as `create` stores it: SUBMITTED now, with its first event. */
  submittedRecord(spec: JobSpec, origin: { jobDefinition?: string; tenant?: string } = {}): JobRecord {
    const at = this.now();
    return {
      id: randomUUID(),
      tenant: origin.tenant ?? DEFAULT_TENANT,
      spec,
      ...(origin.jobDefinition ? { jobDefinition: origin.jobDefinition } : {}),
      status: 'SUBMITTED',
      statusReason: 'Job accepted',
      createdAt: at,
      attempts: [],
      events: [{ at, status: 'SUBMITTED', reason: 'Job accepted' }],
    };
  }

  /**
   * The CREATE_JOB call that stores `record` (SUBMITTED, or already RUNNABLE) with its indexes and
   * idempotency key, unless its tenant already has `maxQueuedJobs` queued.
   */
  createCall(record: JobRecord, maxQueuedJobs?: number): ScriptCall {
    const k = this.keys;
    const { spec, tenant } = record;
    return {
      script: CREATE_JOB,
      keys: [
        spec.idempotencyKey ? k.tenantIdempotency(tenant, spec.idempotencyKey) : '',
        k.jobSeq,
        k.allJobs,
        k.byStatus(record.status),
        k.byQueue(spec.queue),
        k.job(''),
        k.events,
        k.byTenant(tenant),
        k.tenantQueued,
      ],
      args: [
        record.id,
        JSON.stringify(record),
        record.status,
        spec.queue,
        String(record.createdAt),
        eventsArg(record.events),
        String(this.eventsMaxLen),
        tenant,
        maxQueuedJobs === undefined ? '' : String(maxQueuedJobs),
      ],
    };
  }

  /**
   * The CAS_JOB call that replaces version `version` of a job whose status was `from` with `next`; one
   * that finishes the job (enters SUCCEEDED/FAILED) also enters it in the finished set at `now`. The
   * events from index `eventsBefore` on (default: the last) are the ones this write adds, for the stream.
   */
  casCall(
    next: JobRecord,
    from: JobStatus,
    version: number,
    fence = '',
    eventsBefore = next.events.length - 1,
  ): ScriptCall {
    const { progress: _progress, estimatedStartAt: _eta, suggestions: _hints, ...persisted } = next;
    const finishes = TERMINAL_STATUSES.includes(next.status) && !TERMINAL_STATUSES.includes(from);
    const k = this.keys;
    return {
      script: CAS_JOB,
      keys: [
        k.job(next.id),
        k.leaderFence,
        k.statusPrefix,
        ...graphKeys(k),
        k.finishedJobs,
        k.events,
        k.tenantQueued,
      ],
      args: [
        String(version),
        JSON.stringify(storedForm(persisted)),
        next.status,
        fence,
        next.id,
        finishes ? String(this.now()) : '',
        next.spec.queue,
        eventsArg(next.events.slice(eventsBefore)),
        String(this.eventsMaxLen),
        next.tenant ?? DEFAULT_TENANT,
      ],
    };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return (await this.read(id))?.record;
  }

  async read(id: string): Promise<StoredJob | undefined> {
    const [[, fields], [, estimate], [, array]] = (await this.redis
      .multi()
      .hmget(this.keys.job(id), 'json', 'version', 'progress', 'array')
      .hget(this.keys.estimates, id)
      .hgetall(this.keys.arrayState(id))
      .exec()) as [[unknown, (string | null)[]], [unknown, string | null], [unknown, Record<string, string>]];
    const [json, version, progress, parentId] = fields;
    if (!json || !version) return undefined;
    const record = JSON.parse(json) as JobRecord;
    record.tenant ??= DEFAULT_TENANT; // stored before tenancy
    if (progress) record.progress = JSON.parse(progress) as JobProgress;
    if (estimate && record.status === 'RUNNABLE') Object.assign(record, JSON.parse(estimate) as WaitEstimate);
    if (parentId) {
      const spec = await this.parentSpec(parentId);
      if (!spec) return undefined;
      record.spec = childSpec(spec, record.arrayProperties?.index ?? 0);
    }
    if (record.arrayProperties && array['size'] !== undefined) {
      record.arrayProperties.statusSummary = statusCounts(array);
    }
    return { record, version: Number(version) };
  }

  private async parentSpec(parentId: string): Promise<JobSpec | undefined> {
    const cached = this.parentSpecs.get(parentId);
    if (cached) return cached;
    const json = await this.redis.hget(this.keys.job(parentId), 'json');
    if (!json) return undefined;
    const { spec } = JSON.parse(json) as JobRecord;
    if (this.parentSpecs.size >= 1000) this.parentSpecs.clear(); // a bound, not an LRU: specs are cheap to reread
    this.parentSpecs.set(parentId, spec);
    return spec;
  }

  /** Replaces the leader's estimates for waiting jobs (one atomic swap; they are derived, not state). */
  /** The leader's autoscaling signal of one compute environment (derived data, replaced each time). */
  async setScaleSignal(signal: ScaleSignal): Promise<void> {
    await this.redis.hset(this.keys.scaleSignals, signal.computeEnvironment, JSON.stringify(signal));
  }

  async scaleSignals(): Promise<ScaleSignal[]> {
    const raw = await this.redis.hgetall(this.keys.scaleSignals);
    return Object.values(raw).flatMap((text) => {
      try {
        return [JSON.parse(text) as ScaleSignal];
      } catch {
        return []; // derived data: a garbled entry is replaced by the next publish
      }
    });
  }

  async setEstimates(estimates: ReadonlyMap<string, WaitEstimate>): Promise<void> {
    const tx = this.redis.multi().del(this.keys.estimates);
    if (estimates.size > 0) {
      const flat = [...estimates].flatMap(([id, estimate]) => [id, JSON.stringify(estimate)]);
      tx.hset(this.keys.estimates, ...flat);
    }
    await tx.exec();
  }

  /** Writes `value` (as JSON) only under the current leader's fence: FencedError for a deposed leader. */
  private async setFenced(key: string, value: unknown, fence: string): Promise<void> {
    try {
      await runScript(this.redis, SET_FENCED, [key, this.keys.leaderFence], [JSON.stringify(value), fence]);
    } catch (error) {
      if (scriptErrorCode(error) === 'FENCED') throw new FencedError();
      throw error;
    }
  }

  /**
   * The leader's fair-share usage as of `at` (ms), written only while `fence` is the current leader's
   * token (FencedError otherwise), so a deposed leader cannot overwrite its successor's.
   */
  async saveFairShareUsage(saved: SavedUsage, fence: string): Promise<void> {
    await this.setFenced(this.keys.fairShareUsage, saved, fence);
  }

  /** The leader's GPU-hour budget usage, written only under the current leader's fence (FencedError otherwise). */
  async saveBudgetUsage(saved: SavedBudgetUsage, fence: string): Promise<void> {
    await this.setFenced(this.keys.budgetUsage, saved, fence);
  }

  /** What the last leader saved of budget usage; undefined when nothing (or nothing readable) was. */
  async loadBudgetUsage(): Promise<SavedBudgetUsage | undefined> {
    const raw = await this.redis.get(this.keys.budgetUsage);
    if (raw === null) return undefined;
    try {
      const saved = JSON.parse(raw) as SavedBudgetUsage;
      const valid =
        typeof saved.shares === 'object' &&
        saved.shares !== null &&
        Object.values(saved.shares).every(
          (share) =>
            Number.isFinite(share.widthMs) &&
            share.widthMs > 0 &&
            Array.isArray(share.buckets) &&
            share.buckets.every(
              (bucket) =>
                Array.isArray(bucket) &&
                Number.isInteger(bucket[0]) &&
                Number.isFinite(bucket[1]) &&
                bucket[1] >= 0,
            ),
        );
      return valid ? saved : undefined;
    } catch {
      return undefined; // a garbled value costs the budget history, never the start
    }
  }

  /**
   * The leader's executor nodes (full capacity), for a separate API process's submit-time fit checks;
   * written only under the current leader's fence (FencedError otherwise).
   */
  async saveNodeInventory(nodes: readonly NodeState[], fence: string): Promise<void> {
    await this.setFenced(this.keys.nodeInventory, nodes, fence);
  }

  /** The nodes the leader last published; undefined when none did yet (or the value is unreadable). */
  async loadNodeInventory(): Promise<NodeState[] | undefined> {
    const raw = await this.redis.get(this.keys.nodeInventory);
    if (raw === null) return undefined;
    try {
      const nodes = JSON.parse(raw) as unknown;
      return Array.isArray(nodes) ? (nodes as NodeState[]) : undefined;
    } catch {
      return undefined;
    }
  }

  /** What the last leader saved; undefined when nothing (or nothing readable) was. */
  async loadFairShareUsage(): Promise<SavedUsage | undefined> {
    const raw = await this.redis.get(this.keys.fairShareUsage);
    if (raw === null) return undefined;
    try {
      const saved = JSON.parse(raw) as SavedUsage;
      const valid =
        Number.isFinite(saved.at) &&
        typeof saved.usage === 'object' &&
        saved.usage !== null &&
        Object.values(saved.usage).every(
          (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0,
        );
      return valid ? saved : undefined;
    } catch {
      return undefined; // derived state: a garbled value only costs the history, never the start
    }
  }

  /**
   * Applies `update` atomically: read, compute, compare-and-set, retrying when another writer got there first.
   * Returns the record as stored afterwards, or undefined when the job does not exist.
   */
  async update(
    id: string,
    update: JobUpdate,
    options: { fence?: string } = {},
  ): Promise<JobRecord | undefined> {
    for (let tries = 0; tries < 20; tries++) {
      const stored = await this.read(id);
      if (!stored) return undefined;
      const next = update(structuredClone(stored.record));
      if (!next) return stored.record;
      try {
        const call = this.casCall(
          next,
          stored.record.status,
          stored.version,
          options.fence,
          stored.record.events.length,
        );
        await runScript(this.redis, call.script, call.keys, call.args);
        return next;
      } catch (error) {
        const code = scriptErrorCode(error);
        if (code === 'STALE') continue;
        if (code === 'FENCED') throw new FencedError();
        if (code === 'NOT_FOUND') return undefined;
        throw error;
      }
    }
    throw new StaleRecordError(id);
  }

  /** Changes status with a reason and an event; `from` lists the states it may leave (else no change). */
  transition(
    id: string,
    change: { from: readonly JobStatus[]; to: JobStatus; reason: string; patch?: (r: JobRecord) => void },
    options: { fence?: string } = {},
  ): Promise<JobRecord | undefined> {
    return this.update(
      id,
      (record) => {
        if (!change.from.includes(record.status)) return undefined;
        const at = this.now();
        change.patch?.(record);
        record.status = change.to;
        record.statusReason = change.reason;
        record.events.push({ at, status: change.to, reason: change.reason });
        return record;
      },
      options,
    );
  }

  /**
   * Progress is written often, so it lives beside the record and does not bump its version; the events
   * stream gets it coalesced (SET_PROGRESS).
   */
  async setProgress(id: string, progress: JobProgress): Promise<void> {
    const k = this.keys;
    await runScript(
      this.redis,
      SET_PROGRESS,
      [k.job(id), k.jobPrefix, k.events],
      [
        JSON.stringify(progress),
        String(progress.done),
        String(progress.total),
        String(progress.at),
        String(PROGRESS_EVENT_INTERVAL_MS),
        String(this.eventsMaxLen),
        id,
      ],
    );
  }

  /** Newest first by creation time, filtered; see job-index.ts for the cursor's guarantee. */
  list(query: JobPageQuery): Promise<JobIndexPage> {
    return listJobs(this.redis, this.keys, query, (ids) => this.getMany(ids));
  }

  /** Several records, in the order of `ids` (undefined for a job that is gone); sent together. */
  getMany(ids: readonly string[]): Promise<(JobRecord | undefined)[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  /**
   * Deletes jobs that finished at or before `cutoff` (ms), each with everything it owns (an array with its
   * children), in one atomic script of at most about `limit` jobs; `more` when others may be due.
   */
  async expireFinished(cutoff: number, limit: number): Promise<{ expired: number; more: boolean }> {
    const k = this.keys;
    const [expired, more] = (await runScript(
      this.redis,
      EXPIRE_FINISHED_JOBS,
      [
        k.finishedJobs,
        k.allJobs,
        k.job(''),
        k.statusPrefix,
        k.byQueue(''),
        k.idempotency(''),
        k.estimates,
        k.dependentsPrefix,
        k.arrayPrefix,
        k.tenantPrefix,
      ],
      [String(cutoff), String(limit), String(this.now())],
    )) as [number, number];
    return { expired, more: more === 1 };
  }

  /** Brings indexes written by an older version up to date, once (index-migration.ts). */
  migrateIndexesOnce(): Promise<number> {
    return migrateIndexesOnce(this.redis, this.keys, this.now);
  }

  /** Ids of jobs in the given states (used by recovery at leader start). */
  async idsInStatus(statuses: readonly JobStatus[]): Promise<string[]> {
    const ids: string[] = [];
    for (const status of statuses)
      ids.push(...(await this.redis.zrange(this.keys.byStatus(status), '0', '-1')));
    return ids;
  }
}

/**
 * What is stored of a record: a child's spec is its parent's (derived on read), and a parent's summary
 * is read from the counters beside it.
 */
function storedForm(record: Omit<JobRecord, 'progress' | 'estimatedStartAt' | 'suggestions'>): object {
  const { arrayProperties, ...rest } = record;
  if (!arrayProperties) return record;
  const { statusSummary: _summary, ...kept } = arrayProperties;
  if (kept.index === undefined) return { ...rest, arrayProperties: kept };
  const { spec: _spec, ...child } = rest;
  return { ...child, arrayProperties: kept };
}

/** Our Lua scripts reply with bare codes; Redis may prefix them (e.g. "ERR FENCED"). */
function scriptErrorCode(error: unknown): string | undefined {
  return /\b(STALE|FENCED|NOT_FOUND)\b/.exec((error as Error).message)?.[1];
}
