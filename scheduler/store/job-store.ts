// Job records in Redis: creation with idempotency, compare-and-set transitions, listing, progress.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { JobSpec } from '../../api/schemas/job-spec.ts';
import { childSpec } from '../array-children.ts';
import type { SavedBudgetUsage } from '../budget-ledger.ts';
import type { NodeState } from '../core/types.ts';
import type { JobProgress, JobRecord, JobStatus } from '../job-record.ts';
import type { ScaleSignal } from '../scale-signal.ts';
import { DependencyStore, statusCounts } from './dependency-store.ts';
import { FencedError, StaleRecordError } from './errors.ts';
import { keys as buildKeys, type Keys } from './keys.ts';
import { CAS_JOB, CREATE_JOB, SET_FENCED } from './lua.ts';
import { runScript } from './run-script.ts';

export interface StoredJob {
  record: JobRecord;
  version: number;
}

export interface ListOptions {
  queue?: string;
  status?: JobStatus;
  /** Sequence number to continue after (exclusive), newest first. */
  beforeSeq?: number;
  limit: number;
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

export class JobStore {
  readonly keys: Keys;
  private readonly redis: Redis;
  private readonly now: () => number;
  /** Parents' specs (immutable) for the children, which are stored without one. */
  private readonly parentSpecs = new Map<string, JobSpec>();
  /** Dependencies and array jobs: their creation, release and outbox. */
  readonly graph: DependencyStore;

  constructor(redis: Redis, options: { prefix?: string; now?: () => number } = {}) {
    this.redis = redis;
    this.keys = buildKeys(options.prefix);
    this.now = options.now ?? Date.now;
    this.graph = new DependencyStore(redis, this.keys, this.now, (id) => this.get(id));
  }

  /** Stores a new SUBMITTED job, or returns the existing one when the idempotency key was used before. */
  async create(
    spec: JobSpec,
    origin: { jobDefinition?: string } = {},
  ): Promise<{ record: JobRecord; created: boolean }> {
    const at = this.now();
    const record: JobRecord = {
      id: randomUUID(),
      spec,
      ...(origin.jobDefinition ? { jobDefinition: origin.jobDefinition } : {}),
      status: 'SUBMITTED',
      statusReason: 'Job accepted',
      createdAt: at,
      attempts: [],
      events: [{ at, status: 'SUBMITTED', reason: 'Job accepted' }],
    };
    const k = this.keys;
    const [id, created] = (await runScript(
      this.redis,
      CREATE_JOB,
      [
        spec.idempotencyKey ? k.idempotency(spec.idempotencyKey) : '',
        k.jobSeq,
        k.allJobs,
        k.byStatus('SUBMITTED'),
        k.byQueue(spec.queue),
        k.job(''),
      ],
      [record.id, JSON.stringify(record), record.status, spec.queue],
    )) as [string, number];
    if (created === 1) return { record, created: true };
    const existing = await this.get(id);
    if (!existing) throw new Error(`idempotency key points at missing job ${id}`);
    return { record: existing, created: false };
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

  /**
   * The leader's fair-share usage as of `at` (ms), written only while `fence` is the current leader's
   * token (FencedError otherwise), so a deposed leader cannot overwrite its successor's.
   */
  async saveFairShareUsage(saved: SavedUsage, fence: string): Promise<void> {
    try {
      await runScript(
        this.redis,
        SET_FENCED,
        [this.keys.fairShareUsage, this.keys.leaderFence],
        [JSON.stringify(saved), fence],
      );
    } catch (error) {
      if (scriptErrorCode(error) === 'FENCED') throw new FencedError();
      throw error;
    }
  }

  /** The leader's GPU-hour budget usage, written only under the current leader's fence (FencedError otherwise). */
  async saveBudgetUsage(saved: SavedBudgetUsage, fence: string): Promise<void> {
    try {
      await runScript(
        this.redis,
        SET_FENCED,
        [this.keys.budgetUsage, this.keys.leaderFence],
        [JSON.stringify(saved), fence],
      );
    } catch (error) {
      if (scriptErrorCode(error) === 'FENCED') throw new FencedError();
      throw error;
    }
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
    try {
      await runScript(
        this.redis,
        SET_FENCED,
        [this.keys.nodeInventory, this.keys.leaderFence],
        [JSON.stringify(nodes), fence],
      );
    } catch (error) {
      if (scriptErrorCode(error) === 'FENCED') throw new FencedError();
      throw error;
    }
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
      const { progress: _progress, estimatedStartAt: _eta, suggestions: _hints, ...persisted } = next;
      const k = this.keys;
      try {
        await runScript(
          this.redis,
          CAS_JOB,
          [
            k.job(id),
            k.leaderFence,
            k.statusPrefix,
            k.jobPrefix,
            k.dependentsPrefix,
            k.arrayPrefix,
            k.outboxReady,
            k.outboxFailed,
            k.outboxArrays,
          ],
          [
            String(stored.version),
            JSON.stringify(storedForm(persisted)),
            next.status,
            options.fence ?? '',
            id,
          ],
        );
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

  /** Progress is written often, so it lives beside the record and does not bump its version. */
  async setProgress(id: string, progress: JobProgress): Promise<void> {
    await this.redis.hset(this.keys.job(id), 'progress', JSON.stringify(progress));
  }

  /** Newest first; returns the records and the sequence number to continue from. */
  async list(options: ListOptions): Promise<{ records: JobRecord[]; nextSeq?: number }> {
    const index = options.status
      ? this.keys.byStatus(options.status)
      : options.queue
        ? this.keys.byQueue(options.queue)
        : this.keys.allJobs;
    const filterQueue = options.status ? options.queue : undefined;
    const records: JobRecord[] = [];
    let max = options.beforeSeq === undefined ? '+inf' : `(${options.beforeSeq}`;
    const batch = Math.max(options.limit * 2, 50);
    while (records.length < options.limit) {
      const page = await this.redis.zrevrangebyscore(index, max, '-inf', 'WITHSCORES', 'LIMIT', 0, batch);
      if (page.length === 0) return { records };
      for (let i = 0; i < page.length && records.length < options.limit; i += 2) {
        const id = page[i] as string;
        const seq = Number(page[i + 1]);
        max = `(${seq}`;
        const record = await this.get(id);
        if (!record || (filterQueue && record.spec.queue !== filterQueue)) continue;
        records.push(record);
        if (records.length === options.limit) return { records, nextSeq: seq };
      }
      if (page.length < batch * 2) return { records };
    }
    return { records };
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
