// Reads the events stream (the status changes the job scripts append in the same atomic step, and
// coalesced progress reports):
// replay after an id, then follow new entries. Backs GET /v1/events and GET /v1/jobs/:id/events.
import type { Redis } from 'ioredis';
import type { JobStatus } from '../job-record.ts';
import { DEFAULT_TENANT } from '../tenant.ts';
import { keys as buildKeys, type Keys } from './keys.ts';

interface StreamedBase {
  /** The stream entry id ("<ms>-<seq>"), used as the SSE event id. */
  id: string;
  jobId: string;
  queue: string;
  /** The job's tenant (events appended before tenancy: DEFAULT_TENANT). */
  tenant: string;
  at: number;
}

/** A status change, with its reason (the record's event). */
export interface StreamedStatusEvent extends StreamedBase {
  type: 'status';
  status: JobStatus;
  reason: string;
}

/** A progress report, coalesced (JobStore.setProgress): at most one a job per interval, and the last. */
export interface StreamedProgressEvent extends StreamedBase {
  type: 'progress';
  done: number;
  total: number;
}

export type StreamedJobEvent = StreamedStatusEvent | StreamedProgressEvent;

type RawEntry = [string, string[]];

function toEvent([id, flat]: RawEntry): StreamedJobEvent {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  const base = {
    id,
    jobId: fields['jobId'] ?? '',
    queue: fields['queue'] ?? '',
    tenant: fields['tenant'] ?? DEFAULT_TENANT,
    at: Number(fields['at']),
  };
  if (fields['type'] === 'progress')
    return { ...base, type: 'progress', done: Number(fields['done']), total: Number(fields['total']) };
  return { ...base, type: 'status', status: fields['status'] as JobStatus, reason: fields['reason'] ?? '' };
}

/** Orders stream ids ("ms-seq"): negative when a < b. */
export function compareStreamIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

export interface JobEventFeed {
  /** The id of the newest event ('0-0' when none): where a follow starts to see only later ones. */
  lastId(): Promise<string>;
  /**
   * The kept events after `afterId`, oldest first, at most `count`; `missed` is true when the stream
   * trimmed some events after `afterId` (the client's replay has a gap).
   */
  after(afterId: string, count: number): Promise<{ events: StreamedJobEvent[]; missed: boolean }>;
  /** Calls `onEvents` with each batch after `afterId` until the returned stop is called. */
  follow(afterId: string, onEvents: (events: StreamedJobEvent[]) => void): () => void;
}

/**
 * The Redis implementation. Followers share one reader (XREAD BLOCK on a connection of its own, open
 * while anyone follows) that fans each batch out to them.
 */
export class RedisJobEventFeed implements JobEventFeed {
  private readonly redis: Redis;
  private readonly keys: Keys;
  private readonly blockMs: number;
  private readonly followers = new Set<Follower>();
  private reader: Redis | undefined;

  constructor(redis: Redis, options: { prefix?: string; blockMs?: number } = {}) {
    this.redis = redis;
    this.keys = buildKeys(options.prefix);
    this.blockMs = options.blockMs ?? 5000;
  }

  async lastId(): Promise<string> {
    const newest = (await this.redis.xrevrange(this.keys.events, '+', '-', 'COUNT', 1)) as RawEntry[];
    return newest[0]?.[0] ?? '0-0';
  }

  async after(afterId: string, count: number): Promise<{ events: StreamedJobEvent[]; missed: boolean }> {
    const [entries, trimmed] = await Promise.all([
      this.redis.xrange(this.keys.events, `(${afterId}`, '+', 'COUNT', count) as Promise<RawEntry[]>,
      this.trimmedBefore(),
    ]);
    return {
      events: entries.map(toEvent),
      missed: trimmed !== undefined && compareStreamIds(afterId, trimmed) < 0,
    };
  }

  /**
   * When the stream has trimmed entries, the id of its oldest kept one (a client whose last id is older may
   * have missed some; conservative: also says so when its last event was exactly the newest trimmed).
   */
  private async trimmedBefore(): Promise<string | undefined> {
    try {
      const info = (await this.redis.xinfo('STREAM', this.keys.events)) as unknown[];
      const field = (name: string) => info[info.indexOf(name) + 1];
      if (Number(field('entries-added')) <= Number(field('length'))) return undefined;
      const first = field('first-entry') as RawEntry | null;
      return first ? first[0] : String(field('last-generated-id'));
    } catch {
      return undefined; // no stream yet: nothing was trimmed
    }
  }

  follow(afterId: string, onEvents: (events: StreamedJobEvent[]) => void): () => void {
    const follower: Follower = { cursor: afterId, onEvents, pending: Promise.resolve() };
    this.followers.add(follower);
    this.startReader();
    return () => {
      this.followers.delete(follower);
      if (this.followers.size === 0) this.stopReader();
    };
  }

  /** One XREAD BLOCK loop on its own connection for all followers, from the newest id when it starts. */
  private startReader(): void {
    if (this.reader) return;
    // Without the command timeout a request connection may carry: XREAD BLOCK waits longer on purpose.
    const reader = this.redis.duplicate({ commandTimeout: undefined });
    this.reader = reader;
    const loop = async () => {
      let cursor = await this.lastId();
      while (this.reader === reader) {
        const reply = (await reader.xread(
          'COUNT',
          1000,
          'BLOCK',
          this.blockMs,
          'STREAMS',
          this.keys.events,
          cursor,
        )) as [string, RawEntry[]][] | null;
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length === 0 || this.reader !== reader) continue;
        const batch = { after: cursor, events: entries.map(toEvent) };
        cursor = (entries.at(-1) as RawEntry)[0];
        for (const follower of this.followers) this.deliver(follower, batch);
      }
    };
    loop().catch(() => {
      // stopReader's disconnect rejects the pending XREAD; a lost connection ends it the same way
      if (this.reader === reader) this.stopReader();
    });
  }

  private stopReader(): void {
    this.reader?.disconnect();
    this.reader = undefined;
  }

  /**
   * Hands a batch (the events after `batch.after`) to one follower, in order: a follower whose cursor is
   * behind `batch.after` (it joined after the reader had read past it) first reads the gap with XRANGE, and
   * nothing at or before its cursor is given twice.
   */
  private deliver(follower: Follower, batch: { after: string; events: StreamedJobEvent[] }): void {
    follower.pending = follower.pending
      .then(async () => {
        while (compareStreamIds(follower.cursor, batch.after) < 0) {
          const gap = (await this.redis.xrange(
            this.keys.events,
            `(${follower.cursor}`,
            batch.after,
            'COUNT',
            1000,
          )) as RawEntry[];
          if (gap.length === 0) break;
          this.hand(follower, gap.map(toEvent));
        }
        this.hand(follower, batch.events);
      })
      .catch(() => {}); // a failed gap read: the follower sees it as a stalled stream and reconnects
  }

  private hand(follower: Follower, events: StreamedJobEvent[]): void {
    const fresh = events.filter((e) => compareStreamIds(e.id, follower.cursor) > 0);
    if (fresh.length === 0 || !this.followers.has(follower)) return;
    follower.cursor = (fresh.at(-1) as StreamedJobEvent).id;
    follower.onEvents(fresh);
  }
}

interface Follower {
  /** The last id handed to it. */
  cursor: string;
  onEvents: (events: StreamedJobEvent[]) => void;
  /** Its deliveries, chained so they stay in order. */
  pending: Promise<void>;
}
