// Every Redis key gpubatch uses, built in one place. BullMQ's own keys live under its prefix.
import type { JobStatus } from '../job-record.ts';
import { DEFAULT_TENANT } from '../tenant.ts';

export const BULL_PREFIX = 'gpubatch:bull';

export interface Keys {
  job(id: string): string;
  idempotency(key: string): string;
  jobSeq: string;
  allJobs: string;
  byStatus(status: JobStatus): string;
  /** Prefix of the status indexes (the Lua CAS appends the status). */
  statusPrefix: string;
  byQueue(queue: string): string;
  /** Sorted set: one tenant's jobs (top-level: array children go with their parent), scored by createdAt. */
  byTenant(tenant: string): string;
  /** Prefix of `byTenant` (the retention script appends the tenant). */
  tenantPrefix: string;
  /**
   * String: an idempotency key of one tenant (the job id it names). The default tenant keeps the key
   * layout from before tenancy (`idempotency`), so jobs submitted then are still found by their key.
   */
  tenantIdempotency(tenant: string, key: string): string;
  /** Hash: tenant name -> its settings as JSON ({ name, queues?, maxQueuedJobs?, updatedAt }). */
  tenants: string;
  /** Hash: tenant -> how many of its jobs are SUBMITTED, PENDING or RUNNABLE (kept by the job scripts). */
  tenantQueued: string;
  /** Sorted set: id of each SUCCEEDED/FAILED job, scored by finish time (ms); the retention sweep's work list. */
  finishedJobs: string;
  /** String: the index layout the indexes are in (index-migration.ts). */
  indexVersion: string;
  leaderLock: string;
  leaderFence: string;
  cancelChannel: string;
  /** Hash: job queue name -> its definition as JSON (seeded from the config, managed over the API). */
  queueDefinitions: string;
  /** Hash: compute environment name -> its run-time settings as JSON ({ name, state, maxNodes? }). */
  computeEnvironmentSettings: string;
  /** Hash: name -> definition JSON of a compute environment created over the API (type simulated). */
  createdComputeEnvironments: string;
  /** Hash: job id -> the leader's latest estimate for a waiting job ({ estimatedStartAt, suggestions }). */
  estimates: string;
  /** String: the leader's decayed fair-share usage, JSON { usage, at } (so a new leader continues from it). */
  fairShareUsage: string;
  /** String: the leader's GPU-hour budget usage, JSON { shares: { [share]: { widthMs, buckets } } }. */
  budgetUsage: string;
  /** Hash: compute environment -> the leader's autoscaling signal, JSON (scale-signal.ts). */
  scaleSignals: string;
  /** String: the leader's executor nodes at full capacity, JSON NodeState[] (the API role's fit checks). */
  nodeInventory: string;
  /** Hash: one job definition revision (json, revision, status, seq, deregisteredAt). */
  jobDefinition(name: string, revision: number): string;
  /** Prefix of jobDefinition(name, *) (the register script appends the revision). */
  jobDefinitionPrefix(name: string): string;
  /** Counter: the last revision registered under a name. */
  jobDefinitionRevision(name: string): string;
  /** Counter: registration order over all names (the list cursor). */
  jobDefinitionSeq: string;
  /** Sorted sets of "name:revision" by registration order: all, per status, per name. */
  allJobDefinitions: string;
  jobDefinitionsByStatus(status: 'ACTIVE' | 'INACTIVE'): string;
  jobDefinitionsByName(name: string): string;
  /** Sorted set: the ACTIVE revisions of a name, scored by revision (the latest is the highest). */
  activeJobDefinitionRevisions(name: string): string;
  /** Prefix of job hashes (Lua scripts append an id: a dependency's or a child's). */
  jobPrefix: string;
  /** Set: ids of the jobs that wait for this one (its dependents). */
  dependents(id: string): string;
  /** Prefix of `dependents` (Lua appends the id). */
  dependentsPrefix: string;
  /** Hash: an array's size, release limit and its children's count per status. */
  arrayState(parentId: string): string;
  /** Zset: children whose dependencies are met, not released yet, scored by index. */
  arrayReady(parentId: string): string;
  /** Set: released children (RUNNABLE, STARTING, RUNNING): at most the array's limit. */
  arrayInflight(parentId: string): string;
  /** Prefix of the three array keys (Lua appends the parent id, and ':ready' or ':inflight'). */
  arrayPrefix: string;
  /** Outbox set: jobs whose dependencies all succeeded, to make RUNNABLE and enqueue. */
  outboxReady: string;
  /** Outbox hash: job id -> the dependency that failed, to fail it with "Dependent Job failed". */
  outboxFailed: string;
  /** Outbox set: array parents to release children of, or to finish. */
  outboxArrays: string;
  /** Stream: every job's status changes (jobId, queue, status, reason, at), trimmed by length (job-events.ts). */
  events: string;
  /** Hash: one access key of the AWS-compatible endpoint (tenant, secret, createdAt). */
  accessKey(accessKeyId: string): string;
  /** Hash: one API token's record (hash, name, role, tenant, createdAt, revokedAt); never the token. */
  apiToken(id: string): string;
  /** Prefix of apiToken (the verify script appends the id it found). */
  apiTokenPrefix: string;
  /** Hash: SHA-256 of a token -> its id (how a presented token is found). */
  apiTokenHashes: string;
  /** Sorted set: every token id, revoked ones too, scored by creation time (listing). */
  apiTokenIds: string;
  /** Set: ids of the admin tokens not revoked (first start creates one only when it is empty). */
  apiAdminTokens: string;
}

export function keys(prefix = 'gpubatch'): Keys {
  return {
    job: (id) => `${prefix}:job:${id}`,
    idempotency: (key) => `${prefix}:idem:${key}`,
    jobSeq: `${prefix}:jobs:seq`,
    allJobs: `${prefix}:jobs:all`,
    byStatus: (status) => `${prefix}:jobs:status:${status}`,
    statusPrefix: `${prefix}:jobs:status:`,
    byQueue: (queue) => `${prefix}:jobs:queue:${queue}`,
    byTenant: (tenant) => `${prefix}:jobs:tenant:${tenant}`,
    tenantPrefix: `${prefix}:jobs:tenant:`,
    tenantIdempotency: (tenant, key) =>
      tenant === DEFAULT_TENANT
        ? `${prefix}:idem:${key}`
        : `${prefix}:idem-tenant:${encodeURIComponent(tenant)}:${key}`,
    tenants: `${prefix}:tenants`,
    tenantQueued: `${prefix}:tenants:queued`,
    finishedJobs: `${prefix}:jobs:finished`,
    indexVersion: `${prefix}:jobs:index-version`,
    leaderLock: `${prefix}:leader:lock`,
    leaderFence: `${prefix}:leader:fence`,
    cancelChannel: `${prefix}:cancel`,
    queueDefinitions: `${prefix}:queue-definitions`,
    computeEnvironmentSettings: `${prefix}:compute-environment-settings`,
    createdComputeEnvironments: `${prefix}:compute-environments-created`,
    estimates: `${prefix}:estimates`,
    fairShareUsage: `${prefix}:fairshare:usage`,
    budgetUsage: `${prefix}:budgets:usage`,
    scaleSignals: `${prefix}:scale`,
    nodeInventory: `${prefix}:nodes`,
    jobDefinition: (name, revision) => `${prefix}:jobdef:${name}:${revision}`,
    jobDefinitionPrefix: (name) => `${prefix}:jobdef:${name}:`,
    jobDefinitionRevision: (name) => `${prefix}:jobdefs:revision:${name}`,
    jobDefinitionSeq: `${prefix}:jobdefs:seq`,
    allJobDefinitions: `${prefix}:jobdefs:all`,
    jobDefinitionsByStatus: (status) => `${prefix}:jobdefs:status:${status}`,
    jobDefinitionsByName: (name) => `${prefix}:jobdefs:name:${name}`,
    activeJobDefinitionRevisions: (name) => `${prefix}:jobdefs:active:${name}`,
    jobPrefix: `${prefix}:job:`,
    dependents: (id) => `${prefix}:dependents:${id}`,
    dependentsPrefix: `${prefix}:dependents:`,
    arrayState: (id) => `${prefix}:array:${id}`,
    arrayReady: (id) => `${prefix}:array:${id}:ready`,
    arrayInflight: (id) => `${prefix}:array:${id}:inflight`,
    arrayPrefix: `${prefix}:array:`,
    outboxReady: `${prefix}:outbox:ready`,
    outboxFailed: `${prefix}:outbox:failed`,
    outboxArrays: `${prefix}:outbox:arrays`,
    events: `${prefix}:events`,
    accessKey: (id) => `${prefix}:accesskey:${id}`,
    apiToken: (id) => `${prefix}:apitoken:${id}`,
    apiTokenPrefix: `${prefix}:apitoken:`,
    apiTokenHashes: `${prefix}:apitokens:hashes`,
    apiTokenIds: `${prefix}:apitokens:ids`,
    apiAdminTokens: `${prefix}:apitokens:admins`,
  };
}
