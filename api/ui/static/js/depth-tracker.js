// Jobs per queue and state, kept from a listing and then from the events stream: each status event
// moves one job, so the queue-depth chart costs no request per sample. Pure (unit-tested in Node).

export const WAITING = ['SUBMITTED', 'PENDING', 'RUNNABLE'];
export const ACTIVE = ['STARTING', 'RUNNING'];

export class DepthTracker {
  /** jobId -> { queue, status, at } for jobs not finished. */
  #jobs = new Map();

  /** A job as listed or read (its record): the newest of it and what the stream said wins. */
  seed(job) {
    const at = job.events?.at(-1)?.at ?? job.createdAt ?? 0;
    this.#apply(job.id, job.spec.queue, job.status, at);
  }

  /** A status event from /v1/events. */
  event(event) {
    this.#apply(event.jobId, event.queue, event.status, event.at);
  }

  /** Forget everything (before a fresh seed, e.g. after the stream said events were missed). */
  clear() {
    this.#jobs.clear();
  }

  #apply(jobId, queue, status, at) {
    const known = this.#jobs.get(jobId);
    if (known && known.at > at) return;
    if (status === 'SUCCEEDED' || status === 'FAILED')
      this.#jobs.set(jobId, { queue, status, at, done: true });
    else this.#jobs.set(jobId, { queue, status, at });
  }

  /** { queue: { waiting, running } } over the jobs not finished. */
  counts(now = Date.now()) {
    const out = {};
    for (const [id, job] of this.#jobs) {
      if (job.done) {
        // Keep finished jobs only while an older event might still arrive; trim them when counted.
        if (now - job.at > 60_000) this.#jobs.delete(id);
        continue;
      }
      out[job.queue] ??= { waiting: 0, running: 0 };
      if (WAITING.includes(job.status)) out[job.queue].waiting++;
      else if (ACTIVE.includes(job.status)) out[job.queue].running++;
    }
    return out;
  }
}
