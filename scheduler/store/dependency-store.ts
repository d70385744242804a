// Redis side of job dependencies and array jobs: creating them atomically, releasing array children,
// and the outbox that scheduler/dependencies.ts drains (the Lua is in dependency-lua.ts).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { JobSpec } from '../../api/schemas/job-spec.ts';
import { JOB_STATUSES, type JobRecord, type JobStatus } from '../job-record.ts';
import { DEFAULT_TENANT } from '../tenant.ts';
import {
  CREATE_WITH_DEPENDENCIES,
  FAIL_SEQUENTIAL_CHAIN,
  FAIL_UNTOUCHED_CHILDREN,
  INDEX_MARK,
  PREVIOUS_MARK,
  RELEASE_CHILDREN,
} from './dependency-lua.ts';
import { DependencySizeError, TenantQueuedLimitError, UnknownDependencyError } from './errors.ts';
import { DEFAULT_EVENTS_MAX_LEN, eventsArg } from './event-lua.ts';
import type { Keys } from './keys.ts';
import { runScript } from './run-script.ts';
import { QUEUED_LIMIT_REPLY } from './tenant-lua.ts';

/** Who a new job belongs to, and what its tenant may do (scheduler/job-service.ts fills it in). */
export interface CreateOrigin {
  /** "name:revision" of the job definition it was made from. */
  jobDefinition?: string;
  /** Its tenant (default DEFAULT_TENANT). */
  tenant?: string;
  /** The tenant's limit on queued jobs; undefined: none. */
  maxQueuedJobs?: number;
  /** Dependencies must belong to this tenant (else they are unknown); undefined: any tenant's (an admin). */
  dependencyTenant?: string;
}

/** What the dependency outboxes hold (see scheduler/dependencies.ts). */
export interface Outbox {
  /** Jobs whose dependencies all succeeded. */
  ready: string[];
  /** Jobs to fail, with the dependency that failed. */
  failed: [jobId: string, dependency: string][];
  /** Array parents to release children of, or to finish. */
  arrays: string[];
}

/** Children released at once when the array sets no maxConcurrent: BullMQ holds only these. */
export const DEFAULT_ARRAY_RELEASE = 500;

/**
 * The dependency graph's keys, in the order the scripts that maintain it read them: CREATE_WITH_DEPENDENCIES
 * (its KEYS 6..11) and CAS_JOB (4..9, for AFTER_STATUS_CHANGE).
 */
export function graphKeys(k: Keys): string[] {
  return [k.jobPrefix, k.dependentsPrefix, k.arrayPrefix, k.outboxReady, k.outboxFailed, k.outboxArrays];
}

const CHILD_REASON = 'waiting for its dependencies and a free slot of its array';

/** A new child's record, its index left as INDEX_MARK (children have no spec: see job-store.ts read()). */
function childRecord(
  parentId: string,
  tenant: string,
  at: number,
): Omit<JobRecord, 'spec' | 'arrayProperties'> & {
  arrayProperties: { index: string };
} {
  return {
    id: `${parentId}:${INDEX_MARK}`,
    tenant,
    status: 'PENDING',
    statusReason: CHILD_REASON,
    createdAt: at,
    attempts: [],
    events: [
      { at, status: 'SUBMITTED', reason: 'Job accepted' },
      { at, status: 'PENDING', reason: CHILD_REASON },
    ],
    arrayProperties: { index: INDEX_MARK },
  };
}

/** The record as JSON with INDEX_MARK where the index goes (a number in arrayProperties, text in the id). */
function childTemplate(record: object): string {
  return JSON.stringify(record).replace(`"${INDEX_MARK}"}`, `${INDEX_MARK}}`);
}

/** Children failed in one bulk script call (it blocks Redis for a few ms). */
const FAIL_BATCH = 2000;

export class DependencyStore {
  private readonly redis: Redis;
  private readonly keys: Keys;
  private readonly now: () => number;
  private readonly get: (id: string) => Promise<JobRecord | undefined>;
  private readonly eventsMaxLen: number;

  constructor(
    redis: Redis,
    keys: Keys,
    now: () => number,
    get: (id: string) => Promise<JobRecord | undefined>,
    eventsMaxLen = DEFAULT_EVENTS_MAX_LEN,
  ) {
    this.eventsMaxLen = eventsMaxLen;
    this.redis = redis;
    this.keys = keys;
    this.now = now;
    this.get = get;
  }

  /**
   * Stores a PENDING job that waits for its dependencies, or an array job with all its children, in one
   * atomic step (UnknownDependencyError, DependencySizeError, TenantQueuedLimitError: nothing stored). What
   * becomes ready goes to the outbox; the caller drains it (scheduler/dependencies.ts).
   */
  async createWithDependencies(
    spec: JobSpec,
    origin: CreateOrigin = {},
  ): Promise<{ record: JobRecord; created: boolean }> {
    const tenant = origin.tenant ?? DEFAULT_TENANT;
    const at = this.now();
    const size = spec.arraySize ?? 0;
    const waiting = (spec.dependsOn ?? []).length > 0 ? 'waiting for its dependencies' : 'no dependencies';
    const reason = size > 0 ? `array of ${size} children; ${waiting}` : waiting;
    const record: JobRecord = {
      id: randomUUID(),
      tenant,
      spec,
      ...(origin.jobDefinition ? { jobDefinition: origin.jobDefinition } : {}),
      status: 'PENDING',
      statusReason: reason,
      createdAt: at,
      attempts: [],
      events: [
        { at, status: 'SUBMITTED', reason: 'Job accepted' },
        { at, status: 'PENDING', reason },
      ],
      ...(size > 0 ? { arrayProperties: { size } } : {}),
    };
    const template = childTemplate(childRecord(record.id, tenant, at));
    const dependencies = (spec.dependsOn ?? []).map((d) => [d.jobId ?? '', d.type ?? '']);
    const k = this.keys;
    try {
      const [id, created] = (await runScript(
        this.redis,
        CREATE_WITH_DEPENDENCIES,
        [
          spec.idempotencyKey ? k.tenantIdempotency(tenant, spec.idempotencyKey) : '',
          k.jobSeq,
          k.allJobs,
          k.byStatus('PENDING'),
          k.byQueue(spec.queue),
          ...graphKeys(k),
          k.events,
          k.byTenant(tenant),
          k.tenantQueued,
        ],
        [
          record.id,
          JSON.stringify(record),
          spec.queue,
          JSON.stringify(dependencies),
          String(size),
          String(Math.min(size, spec.maxConcurrent ?? DEFAULT_ARRAY_RELEASE)),
          template,
          String(record.createdAt),
          eventsArg(record.events),
          String(this.eventsMaxLen),
          tenant,
          origin.maxQueuedJobs === undefined ? '' : String(origin.maxQueuedJobs),
          origin.dependencyTenant ?? '',
        ],
      )) as [string, number];
      if (created === 1) return { record: (await this.get(id)) ?? record, created: true };
      const existing = await this.get(id);
      if (!existing) throw new Error(`idempotency key points at missing job ${id}`);
      return { record: existing, created: false };
    } catch (error) {
      const limited = QUEUED_LIMIT_REPLY.exec((error as Error).message);
      if (limited && origin.maxQueuedJobs !== undefined)
        throw new TenantQueuedLimitError(tenant, origin.maxQueuedJobs, Number(limited[1]), size || 1);
      const match = /\b(UNKNOWN_DEPENDENCY|N_TO_N_SIZE) (\d+)/.exec((error as Error).message);
      if (match?.[1] === 'UNKNOWN_DEPENDENCY') throw new UnknownDependencyError(Number(match[2]));
      if (match?.[1] === 'N_TO_N_SIZE') throw new DependencySizeError(Number(match[2]));
      throw error;
    }
  }

  /** Marks up to the array's free slots of ready children released; the caller makes them RUNNABLE. */
  async releaseChildren(parentId: string): Promise<string[]> {
    const k = this.keys;
    return (await runScript(
      this.redis,
      RELEASE_CHILDREN,
      [k.job(parentId), k.arrayState(parentId), k.arrayReady(parentId), k.arrayInflight(parentId)],
      [],
    )) as string[];
  }

  /** Released children not finished yet (recovery re-enqueues them). */
  inflightChildren(parentId: string): Promise<string[]> {
    return this.redis.smembers(this.keys.arrayInflight(parentId));
  }

  /** An array's children per status, and its size; undefined for a job that is no array. */
  async arrayCounts(
    parentId: string,
  ): Promise<{ size: number; counts: Record<JobStatus, number> } | undefined> {
    const state = await this.redis.hgetall(this.keys.arrayState(parentId));
    return state['size'] === undefined
      ? undefined
      : { size: Number(state['size']), counts: statusCounts(state) };
  }

  /** How many of the job's dependencies have not succeeded yet. */
  async unfinishedDependencies(id: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.job(id), 'deps')) ?? 0);
  }

  /**
   * Fails the children of `parent` that were never touched (PENDING at version 1: their record is still
   * the creation template) in bulk, with `reason`; returns the indexes of the other unfinished children,
   * which the caller handles one by one. Their dependents go to the outbox as any failure's do.
   */
  async failUntouchedChildren(parent: JobRecord, reason: string): Promise<number[]> {
    const template = this.failedChildTemplate(parent, reason);
    const left: number[] = [];
    const size = parent.arrayProperties?.size ?? 0;
    for (let from = 0; from < size; from += FAIL_BATCH) {
      const rest = (await runScript(this.redis, FAIL_UNTOUCHED_CHILDREN, this.childFailureKeys(parent.id), [
        parent.id,
        String(from),
        String(Math.min(size, from + FAIL_BATCH)),
        template,
      ])) as number[];
      left.push(...rest.map(Number));
    }
    return left;
  }

  /**
   * A SEQUENTIAL array whose child `from - 1` failed: fails children from, from+1, ... in one script while
   * they are untouched, each with "Dependent Job failed: <parentId>:<index - 1>" (the outbox would take
   * one round of writes per child). Returns how many it failed.
   */
  async failSequentialChain(parent: JobRecord, from: number): Promise<number> {
    const template = this.failedChildTemplate(parent, `Dependent Job failed: ${parent.id}:${PREVIOUS_MARK}`);
    return (await runScript(this.redis, FAIL_SEQUENTIAL_CHAIN, this.childFailureKeys(parent.id), [
      parent.id,
      String(from),
      String(parent.arrayProperties?.size ?? 0),
      template,
    ])) as number;
  }

  /** The KEYS of FAIL_UNTOUCHED_CHILDREN and FAIL_SEQUENTIAL_CHAIN, which share one layout. */
  private childFailureKeys(parentId: string): string[] {
    const k = this.keys;
    return [
      k.jobPrefix,
      k.dependentsPrefix,
      k.arrayState(parentId),
      k.arrayReady(parentId),
      k.arrayInflight(parentId),
      k.outboxFailed,
      k.outboxArrays,
      k.tenantQueued,
    ];
  }

  /** An untouched child's record after failing with `reason` (INDEX_MARK, PREVIOUS_MARK left in). */
  private failedChildTemplate(parent: JobRecord, reason: string): string {
    const at = this.now();
    const base = childRecord(parent.id, parent.tenant, parent.createdAt);
    return childTemplate({
      ...base,
      status: 'FAILED',
      statusReason: reason,
      stoppedAt: at,
      events: [...base.events, { at, status: 'FAILED', reason }],
    });
  }

  async readOutbox(): Promise<Outbox> {
    const k = this.keys;
    const [[, ready], [, failed], [, arrays]] = (await this.redis
      .multi()
      .smembers(k.outboxReady)
      .hgetall(k.outboxFailed)
      .smembers(k.outboxArrays)
      .exec()) as [[unknown, string[]], [unknown, Record<string, string>], [unknown, string[]]];
    return { ready, failed: Object.entries(failed), arrays };
  }

  /** Removes an entry once its work is done (a crash before leaves it for the next drain). */
  async clearOutbox(kind: keyof Outbox, id: string): Promise<void> {
    const k = this.keys;
    if (kind === 'ready') await this.redis.srem(k.outboxReady, id);
    else if (kind === 'failed') await this.redis.hdel(k.outboxFailed, id);
    else await this.redis.srem(k.outboxArrays, id);
  }

  /** Queues an array parent for a release/finish check (recovery, retry-failed). */
  async markArray(parentId: string): Promise<void> {
    await this.redis.sadd(this.keys.outboxArrays, parentId);
  }
}

export /** Every status with its count (0 when none), from an array's state hash. */
function statusCounts(state: Record<string, string>): Record<JobStatus, number> {
  return Object.fromEntries(JOB_STATUSES.map((s) => [s, Number(state[s] ?? 0)])) as Record<JobStatus, number>;
}
