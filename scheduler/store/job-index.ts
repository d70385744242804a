// Listing jobs: a walk down one creation-time index (all jobs, one tenant's, queue's or status's), newest
// first, with the other filters applied to the records read. The position is (createdAt, id) of the last
// job looked at — a place in an order that never changes (a job's creation time and id are fixed, and a
// status change moves the id between status indexes with the same score) — so a page never skips or
// repeats a job because other jobs were created, changed status or expired meanwhile.
import type { Redis } from 'ioredis';
import type { JobRecord, JobStatus } from '../job-record.ts';
import type { Keys } from './keys.ts';

/** Where a page ended: the last job looked at, in (createdAt desc, id desc) order. */
export interface JobPosition {
  createdAt: number;
  id: string;
}

export interface JobPageQuery {
  queue?: string;
  status?: JobStatus;
  /** Jobs whose name starts with this (case-sensitive). */
  namePrefix?: string;
  /** Jobs with this shareIdentifier. */
  share?: string;
  /** Only this tenant's jobs (its own index is walked). */
  tenant?: string;
  /** Only jobs created strictly after this (epoch ms). */
  createdAfter?: number;
  /** Only jobs created strictly before this (epoch ms). */
  createdBefore?: number;
  /** Continue after this position (exclusive). */
  after?: JobPosition;
  limit: number;
  /** At most this many index entries are looked at per page (selective filters then end a page short). */
  maxScanned?: number;
}

export interface JobIndexPage {
  records: JobRecord[];
  /** Where the next page starts; absent when the index is exhausted. */
  next?: JobPosition;
}

const BATCH = 200;

/** A page of records; `read` fetches several records in one round trip. */
export async function listJobs(
  redis: Redis,
  keys: Keys,
  query: JobPageQuery,
  read: (ids: readonly string[]) => Promise<(JobRecord | undefined)[]>,
): Promise<JobIndexPage> {
  // A tenant's own index first: a tenant's page never has to scan past other tenants' jobs.
  const index =
    query.tenant !== undefined
      ? keys.byTenant(query.tenant)
      : query.status
        ? keys.byStatus(query.status)
        : query.queue
          ? keys.byQueue(query.queue)
          : keys.allJobs;
  const maxScanned = query.maxScanned ?? Math.max(query.limit * 10, 5_000);
  const min = query.createdAfter === undefined ? '-inf' : `(${query.createdAfter}`;
  let position = query.after;
  // The upper bound is inclusive of the position's time: jobs created in the same millisecond with a
  // smaller id come after it.
  const upper = (): string => {
    if (query.createdBefore !== undefined && (!position || query.createdBefore <= position.createdAt))
      return `(${query.createdBefore}`;
    return position ? String(position.createdAt) : '+inf';
  };
  const records: JobRecord[] = [];
  let scanned = 0;
  let offset = 0; // only non-zero while one millisecond holds more jobs than a batch
  for (;;) {
    const reply = await redis.zrevrangebyscore(index, upper(), min, 'WITHSCORES', 'LIMIT', offset, BATCH);
    const entries: JobPosition[] = [];
    for (let i = 0; i < reply.length; i += 2) {
      const entry = { id: reply[i]!, createdAt: Number(reply[i + 1]) };
      if (position && entry.createdAt === position.createdAt && entry.id >= position.id) continue;
      entries.push(entry);
    }
    const exhausted = reply.length < BATCH * 2;
    if (entries.length === 0) {
      if (exhausted) return { records };
      offset += BATCH; // a whole batch at the position's millisecond, all seen already
      continue;
    }
    offset = 0;
    const found = await read(entries.map((entry) => entry.id));
    for (const [i, entry] of entries.entries()) {
      position = entry;
      scanned++;
      const record = found[i];
      if (record && matches(record, query)) records.push(record);
      if (records.length === query.limit || scanned >= maxScanned) {
        const last = i === entries.length - 1 && exhausted;
        return last ? { records } : { records, next: position };
      }
    }
    if (exhausted) return { records };
  }
}

function matches(record: JobRecord, query: JobPageQuery): boolean {
  // The index already selected status (or queue); the record is checked again since it may have moved on
  // between the index read and the record read.
  if (query.status && record.status !== query.status) return false;
  if (query.queue && record.spec.queue !== query.queue) return false;
  if (query.namePrefix !== undefined && !record.spec.name.startsWith(query.namePrefix)) return false;
  if (query.share !== undefined && record.spec.shareIdentifier !== query.share) return false;
  if (query.tenant !== undefined && record.tenant !== query.tenant) return false;
  return true;
}
