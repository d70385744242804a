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
  leaderLock: string;
  leaderFence: string;
  cancelChannel: string;
  /** Hash: job id -> the leader's latest estimate for a waiting job ({ estimatedStartAt, suggestions }). */
  estimates: string;
  /** String: the leader's decayed fair-share usage, JSON { usage, at } (so a new leader continues from it). */
  fairShareUsage: string;
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
    leaderLock: `${prefix}:leader:lock`,
    leaderFence: `${prefix}:leader:fence`,
    cancelChannel: `${prefix}:cancel`,
    estimates: `${prefix}:estimates`,
    fairShareUsage: `${prefix}:fairshare:usage`,
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
  };
}
