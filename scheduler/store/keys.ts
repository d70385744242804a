// Every Redis key gpubatch uses, built in one place. BullMQ's own keys live under its prefix.
import type { JobStatus } from '../job-record.ts';

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
  /** Sorted set: id of each SUCCEEDED/FAILED job, scored by finish time (ms); the retention sweep's work list. */
  finishedJobs: string;
  /** String: the index layout the indexes are in (index-migration.ts). */
  indexVersion: string;
  leaderLock: string;
  leaderFence: string;
  cancelChannel: string;
  /** Hash: job id -> the leader's latest estimate for a waiting job ({ estimatedStartAt, suggestions }). */
  estimates: string;
  /** String: the leader's decayed fair-share usage, JSON { usage, at } (so a new leader continues from it). */
  fairShareUsage: string;
  /** String: the leader's executor nodes at full capacity, JSON NodeState[] (the API role's fit checks). */
  nodeInventory: string;
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
    finishedJobs: `${prefix}:jobs:finished`,
    indexVersion: `${prefix}:jobs:index-version`,
    leaderLock: `${prefix}:leader:lock`,
    leaderFence: `${prefix}:leader:fence`,
    cancelChannel: `${prefix}:cancel`,
    estimates: `${prefix}:estimates`,
    fairShareUsage: `${prefix}:fairshare:usage`,
    nodeInventory: `${prefix}:nodes`,
  };
}
