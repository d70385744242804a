// GET /v1/events and GET /v1/jobs/:id/events: job status changes as Server-Sent Events, resumable with
// Last-Event-ID (the id is the events stream's entry id; docs/api.md, Events).
import { type Request, type Response, Router } from 'express';
import type {
  JobEventFeed,
  StreamedJobEvent,
  StreamedStatusEvent,
} from '../../scheduler/store/job-events.ts';
import { ValidationError } from '../errors.ts';
import type { JobService } from '../job-service.ts';
import { callerOf } from '../tenancy/caller.ts';
import { listingTenant, requireVisibleJob } from '../tenancy/visibility.ts';

const HEARTBEAT_MS = 15_000;
const REPLAY_PAGE = 1000;
const STREAM_ID = /^\d+-\d+$/;

type Filter = (event: StreamedJobEvent) => boolean;

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new ValidationError(`${field} must be a non-empty string`, [
      { field, message: 'must be a non-empty string' },
    ]);
  return value;
}

/** Where to resume: the Last-Event-ID header, else ?since=; undefined to start at "now". */
function resumeFrom(req: Request): string | undefined {
  const header = req.get('last-event-id');
  const field = header !== undefined ? 'Last-Event-ID' : 'since';
  const value = header ?? optionalString(req.query['since'], 'query.since');
  if (value === undefined) return undefined;
  if (!STREAM_ID.test(value))
    throw new ValidationError(`${field} must be an event id such as "1700000000000-0"`, [
      { field, message: 'must be an event id such as "1700000000000-0"' },
    ]);
  return value;
}

/** Writes one event: `event:` its type, `data:` the rest as JSON, `id:` when it came from the stream. */
function send(res: Response, event: StreamedJobEvent | Omit<StreamedStatusEvent, 'id'>): void {
  const { id, type, ...data } = event as StreamedJobEvent;
  res.write(`${id ? `id: ${id}\n` : ''}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
}

function openStream(res: Response): void {
  res.status(200);
  res.set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
}

/** Replays the kept events after `afterId` that pass `filter`; returns the last id read (matching or not). */
async function replay(res: Response, feed: JobEventFeed, afterId: string, filter: Filter): Promise<string> {
  let cursor = afterId;
  for (let first = true; ; first = false) {
    const { events, missed } = await feed.after(cursor, REPLAY_PAGE);
    if (first && missed)
      res.write(
        `event: missed\ndata: ${JSON.stringify({ after: afterId, reason: 'older events were trimmed' })}\n\n`,
      );
    for (const event of events) if (filter(event)) send(res, event);
    if (events.length > 0) cursor = (events.at(-1) as StreamedJobEvent).id;
    if (events.length < REPLAY_PAGE) return cursor;
  }
}

export interface EventsRouterOptions {
  /** Between heartbeat comments, which also re-check the caller's token. Default 15 s. */
  heartbeatMs?: number;
  /**
   * Whether the request's credentials are still valid. A stream outlives the check made when it opened: at
   * each heartbeat a revoked token's stream gets a `revoked` event and ends.
   */
  stillSignedIn?: (req: Request) => Promise<boolean>;
}

interface Follow {
  req: Request;
  res: Response;
  feed: JobEventFeed;
  afterId: string;
  filter: Filter;
  options: EventsRouterOptions;
}

/** Follows new events after `afterId` until the client disconnects or its token is revoked, with a heartbeat. */
function follow({ req, res, feed, afterId, filter, options }: Follow): void {
  // Ended by us (revoked) or by the client. Once the response has ended nothing may be written to it: a
  // write after end() is an 'error' on the response, which would take the process down. 'close' comes
  // only when the client has taken the last bytes, which a slow reader may put off for long.
  let ended = false;
  const stopFollowing = feed.follow(afterId, (events) => {
    if (ended) return;
    for (const event of events) if (filter(event)) send(res, event);
  });
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    stopFollowing();
  };
  const heartbeat = setInterval(async () => {
    // A store that cannot answer is not a revoke: the stream goes on and the next heartbeat asks again.
    const valid = options.stillSignedIn ? await options.stillSignedIn(req).catch(() => true) : true;
    if (ended || res.writableEnded) return;
    if (valid) {
      res.write(': ping\n\n');
      return;
    }
    end();
    res.end(`event: revoked\ndata: ${JSON.stringify({ reason: 'the token was revoked' })}\n\n`);
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  res.on('close', end);
}

export function eventsRouter(
  jobs: JobService,
  feed: JobEventFeed,
  options: EventsRouterOptions = {},
): Router {
  const router = Router();

  router.get('/events', async (req, res) => {
    const queue = optionalString(req.query['queue'], 'query.queue');
    const jobId = optionalString(req.query['jobId'], 'query.jobId');
    // A non-admin's stream carries only its tenant's jobs; an admin may narrow it to one tenant.
    const tenant = listingTenant(callerOf(res), optionalString(req.query['tenant'], 'query.tenant'));
    const since = resumeFrom(req);
    const filter: Filter = (e) =>
      (queue === undefined || e.queue === queue) &&
      (jobId === undefined || e.jobId === jobId) &&
      (tenant === undefined || e.tenant === tenant);
    const start = since ?? (await feed.lastId());
    openStream(res);
    const cursor = since === undefined ? start : await replay(res, feed, since, filter);
    follow({ req, res, feed, afterId: cursor, filter, options });
  });

  router.get('/jobs/:id/events', async (req, res) => {
    const { id } = req.params as { id: string };
    const since = resumeFrom(req);
    const caller = callerOf(res);
    const ofJob: Filter = (e) => e.jobId === id;
    if (since !== undefined) {
      await requireVisibleJob(jobs, caller, id);
      openStream(res);
      follow({ req, res, feed, afterId: await replay(res, feed, since, ofJob), filter: ofJob, options });
      return;
    }
    // Fresh: the record's own history, then the stream from a point taken *before* reading the record, so
    // no change falls between; a change in both (same status and time) is sent once.
    const start = await feed.lastId();
    const job = await requireVisibleJob(jobs, caller, id);
    openStream(res);
    const seen = new Set(job.events.map((e) => `${e.status}@${e.at}`));
    for (const event of job.events)
      send(res, {
        type: 'status',
        jobId: id,
        queue: job.spec.queue,
        tenant: job.tenant,
        status: event.status,
        reason: event.reason,
        at: event.at,
      });
    const unseen: Filter = (e) => ofJob(e) && !(e.type === 'status' && seen.has(`${e.status}@${e.at}`));
    follow({ req, res, feed, afterId: start, filter: unseen, options });
  });

  return router;
}
