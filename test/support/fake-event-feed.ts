// FakeEventFeed: an in-memory JobEventFeed (scheduler/store/job-events.ts) for API and CLI tests, with
// ids like the Redis stream's ("<n>-0") and a hook for when a client starts to follow.
import type { JobStatus } from '../../scheduler/job-record.ts';
import type { JobEventFeed, StreamedJobEvent } from '../../scheduler/store/job-events.ts';

type Follower = { afterSeq: number; onEvents: (events: StreamedJobEvent[]) => void };

const seqOf = (id: string) => Number(id.split('-')[0]);

export class FakeEventFeed implements JobEventFeed {
  readonly #events: StreamedJobEvent[] = [];
  readonly #followers = new Set<Follower>();
  #onFollow: (() => void) | undefined;
  /** Events at or before this sequence number are gone, as if the stream had been trimmed. */
  trimmedThrough = 0;

  /** Appends a status change and hands it to the followers; returns its id. */
  status(
    jobId: string,
    status: JobStatus,
    reason: string,
    at: number,
    queue = 'default',
    tenant = 'default',
  ): string {
    return this.#append({ id: '', type: 'status', jobId, queue, tenant, status, reason, at });
  }

  progress(
    jobId: string,
    done: number,
    total: number,
    at: number,
    queue = 'default',
    tenant = 'default',
  ): string {
    return this.#append({ id: '', type: 'progress', jobId, queue, tenant, done, total, at });
  }

  /** Runs `hook` each time a client starts following (after its replay), e.g. to make the job move on. */
  onFollow(hook: () => void): void {
    this.#onFollow = hook;
  }

  /** How many clients follow now (a client that went away no longer does). */
  get followers(): number {
    return this.#followers.size;
  }

  async lastId(): Promise<string> {
    return `${this.#events.length}-0`;
  }

  async after(afterId: string, count: number): Promise<{ events: StreamedJobEvent[]; missed: boolean }> {
    const from = Math.max(seqOf(afterId), this.trimmedThrough);
    return {
      events: this.#events.slice(from, from + count),
      missed: seqOf(afterId) < this.trimmedThrough,
    };
  }

  follow(afterId: string, onEvents: (events: StreamedJobEvent[]) => void): () => void {
    const follower = { afterSeq: seqOf(afterId), onEvents };
    this.#followers.add(follower);
    const later = this.#events.slice(follower.afterSeq);
    if (later.length > 0) onEvents(later);
    setImmediate(() => this.#onFollow?.());
    return () => this.#followers.delete(follower);
  }

  #append(event: StreamedJobEvent): string {
    const id = `${this.#events.length + 1}-0`;
    const stored = { ...event, id } as StreamedJobEvent;
    this.#events.push(stored);
    for (const follower of this.#followers) follower.onEvents([stored]);
    return id;
  }
}
