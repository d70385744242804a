// GET /v1/events and GET /v1/jobs/:id/events over a real Redis: the events CAS_JOB appends, in order,
// resumable with Last-Event-ID without gaps or duplicates.
import test, { type ExecutionContext } from 'ava';
import type { JobStatus } from '../../scheduler/job-record.ts';
import { RedisJobEventFeed } from '../../scheduler/store/job-events.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { aValidatedJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';
import { bearer } from '../support/authed-api.ts';
import { FakeJobService } from '../support/fake-job-service.ts';
import { redisForFile } from '../support/redis-server.ts';
import { openSse, type SseEvent } from '../support/sse-client.ts';

const redis = redisForFile(test);
let prefixes = 0;

/** An API whose events and job reads come from a JobStore on the file's Redis, under a prefix of its own. */
async function eventsApi(t: ExecutionContext, options: { eventsMaxLen?: number } = {}) {
  const prefix = `events-test-${prefixes++}`;
  const store = new JobStore(redis.client, { prefix, ...options });
  const jobs = new (class extends FakeJobService {
    override get(id: string) {
      return store.get(id);
    }
  })();
  const feed = new RedisJobEventFeed(redis.client, { prefix, blockMs: 200 });
  const api = await startApi(t, { jobs, events: feed });
  const streams: { close(): void }[] = [];
  t.teardown(() => {
    for (const s of streams) s.close();
  });
  return {
    store,
    async open(path: string, headers: Record<string, string> = {}) {
      const stream = await openSse(api.url + path, { ...bearer(api.token), ...headers });
      streams.push(stream);
      return stream;
    },
    /** Moves a job through `statuses`, each from the one before. */
    async walk(id: string, statuses: JobStatus[]) {
      for (const to of statuses) {
        const done = await store.transition(id, {
          from: ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'],
          to,
          reason: `to ${to}`,
        });
        if (done?.status !== to) throw new Error(`could not move ${id} to ${to}`);
      }
    },
  };
}

const statusOf = (e: SseEvent) => (JSON.parse(e.data) as { status: string }).status;
const jobOf = (e: SseEvent) => (JSON.parse(e.data) as { jobId: string }).jobId;

test('a connected client receives a job’s status changes in order, with reasons and stream ids', async (t) => {
  const api = await eventsApi(t);
  const stream = await api.open('/v1/events');
  t.is(stream.status, 200);

  const { record } = await api.store.create(aValidatedJobSpec({ queue: 'gpu' }));
  await api.walk(record.id, ['RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED']);

  const events = await stream.take(5);
  t.deepEqual(events.map(statusOf), ['SUBMITTED', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED']);
  t.true(events.every((e) => e.event === 'status' && /^\d+-\d+$/.test(e.id ?? '')));
  t.like(JSON.parse((events[2] as SseEvent).data), { jobId: record.id, queue: 'gpu', reason: 'to STARTING' });
});

test('reconnecting with Last-Event-ID replays exactly the missed events, then follows', async (t) => {
  const api = await eventsApi(t);
  const first = await api.open('/v1/events');
  const { record } = await api.store.create(aValidatedJobSpec());
  await api.walk(record.id, ['RUNNABLE']);
  const seen = await first.take(2);
  first.close();

  await api.walk(record.id, ['STARTING', 'RUNNING']);
  const again = await api.open('/v1/events', { 'last-event-id': (seen[1] as SseEvent).id as string });
  const missed = await again.take(2);
  await api.walk(record.id, ['SUCCEEDED']);
  const live = await again.take(1);

  t.deepEqual([...missed, ...live].map(statusOf), ['STARTING', 'RUNNING', 'SUCCEEDED']);
  await t.throwsAsync(again.take(1, 500)); // no duplicates after
});

test('the per-job stream starts with the record’s history and carries no other job', async (t) => {
  const api = await eventsApi(t);
  const { record: mine } = await api.store.create(aValidatedJobSpec());
  const { record: other } = await api.store.create(aValidatedJobSpec());
  await api.walk(mine.id, ['RUNNABLE']);

  const stream = await api.open(`/v1/jobs/${mine.id}/events`);
  await api.walk(other.id, ['RUNNABLE']);
  await api.walk(mine.id, ['STARTING']);

  const events = await stream.take(3);
  t.deepEqual(events.map(statusOf), ['SUBMITTED', 'RUNNABLE', 'STARTING']);
  t.true(events.every((e) => jobOf(e) === mine.id));
  await t.throwsAsync(stream.take(1, 500));
});

test('the queue filter of /v1/events keeps only that queue’s jobs', async (t) => {
  const api = await eventsApi(t);
  const stream = await api.open('/v1/events?queue=a');
  const { record: inA } = await api.store.create(aValidatedJobSpec({ queue: 'a' }));
  await api.store.create(aValidatedJobSpec({ queue: 'b' }));

  const events = await stream.take(1);
  t.is(jobOf(events[0] as SseEvent), inA.id);
  await t.throwsAsync(stream.take(1, 500));
});

test('an unknown job is 404 problem+json; a malformed Last-Event-ID is 400', async (t) => {
  const api = await eventsApi(t);
  const unknown = await api.open('/v1/jobs/no-such-job/events');
  const malformed = await api.open('/v1/events', { 'last-event-id': 'yesterday' });

  t.is(unknown.status, 404);
  t.is(malformed.status, 400);
});

test('a Last-Event-ID older than the trimmed stream gets a missed event, then the oldest kept', async (t) => {
  const api = await eventsApi(t, { eventsMaxLen: 1 });
  const { record } = await api.store.create(aValidatedJobSpec());
  // MAXLEN ~ trims whole nodes only; force an exact trim to make the gap certain.
  await api.walk(record.id, ['RUNNABLE', 'STARTING']);
  await redis.client.xtrim(api.store.keys.events, 'MAXLEN', 1);

  const stream = await api.open('/v1/events', { 'last-event-id': '0-1' });
  const [missed, kept] = await stream.take(2);

  t.is(missed?.event, 'missed');
  t.is(statusOf(kept as SseEvent), 'STARTING');
});

test.serial('followers share one blocking Redis connection, released when the last one leaves', async (t) => {
  const api = await eventsApi(t);
  const connections = async () => (String(await redis.client.client('LIST')).match(/^id=/gm) ?? []).length;
  const settle = () => new Promise((r) => setTimeout(r, 300));
  const before = await connections();

  const streams = await Promise.all([1, 2, 3, 4, 5].map(() => api.open('/v1/events')));
  await settle();
  const whileFollowing = await connections();
  const { record } = await api.store.create(aValidatedJobSpec());
  const received = await Promise.all(streams.map((s) => s.take(1)));
  for (const s of streams) s.close();
  await settle();

  t.is(whileFollowing, before + 1);
  t.true(received.every(([e]) => e !== undefined && jobOf(e) === record.id));
  t.is(await connections(), before);
});

test('progress reports are streamed coalesced: the first, then at most one a second, and always the last', async (t) => {
  const api = await eventsApi(t);
  const { record } = await api.store.create(aValidatedJobSpec({ queue: 'gpu' }));
  const stream = await api.open(`/v1/jobs/${record.id}/events`);
  await stream.take(1); // SUBMITTED, from the record

  for (const [done, at] of [
    [1, 10_000],
    [2, 10_400], // within a second of the last event: stored, not streamed
    [3, 11_000],
    [10, 11_100], // the last report
  ] as const)
    await api.store.setProgress(record.id, { done, total: 10, at });
  await api.store.setProgress('no-such-job', { done: 1, total: 2, at: 12_000 });

  const events = await stream.take(3);
  t.true(events.every((e) => e.event === 'progress'));
  t.deepEqual(
    events.map((e) => JSON.parse(e.data)),
    [
      { jobId: record.id, queue: 'gpu', tenant: 'default', done: 1, total: 10, at: 10_000 },
      { jobId: record.id, queue: 'gpu', tenant: 'default', done: 3, total: 10, at: 11_000 },
      { jobId: record.id, queue: 'gpu', tenant: 'default', done: 10, total: 10, at: 11_100 },
    ],
  );
  t.is((await api.store.get(record.id))?.progress?.done, 10);
  t.is(await redis.client.exists(api.store.keys.job('no-such-job')), 0, 'a late report recreates nothing');
});
