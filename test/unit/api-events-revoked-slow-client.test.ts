// A revoked token's stream ends at once, even for a client that has stopped reading: nothing more is
// written to the ended response (a write after end would be an error that takes the API process down),
// and the stream lets go of the events feed without waiting for the client to close.
import net from 'node:net';
import test from 'ava';
import express from 'express';
import type { JobService } from '../../api/job-service.ts';
import { eventsRouter } from '../../api/routes/events.ts';
import type { JobEventFeed, StreamedJobEvent } from '../../scheduler/store/job-events.ts';

/** A feed whose batches the test delivers by hand while someone follows it. */
function handFedFeed() {
  const state: { deliver?: (events: StreamedJobEvent[]) => void; stops: number } = { stops: 0 };
  const feed: JobEventFeed = {
    lastId: async () => '0-0',
    after: async () => ({ events: [], missed: false }),
    follow: (_afterId, onEvents) => {
      state.deliver = onEvents;
      return () => {
        state.deliver = undefined;
        state.stops++;
      };
    },
  };
  return { feed, state };
}

const batch = (size: number): StreamedJobEvent[] =>
  Array.from({ length: size }, (_, i) => ({
    id: `1-${i}`,
    type: 'status',
    jobId: 'job-1',
    queue: 'gpu',
    tenant: 'a',
    status: 'RUNNING',
    reason: 'x'.repeat(2_000), // about 2 kB an event
    at: i,
  }));

test('a stream revoked while its client reads nothing ends, stops following, and writes no more', async (t) => {
  const { feed, state } = handFedFeed();
  let checks = 0;
  const app = express();
  app.use((_req, res, next) => {
    res.locals['principal'] = { id: 'token-1', role: 'viewer', tenant: 'a' };
    next();
  });
  app.use(
    '/v1',
    eventsRouter({} as JobService, feed, { heartbeatMs: 50, stillSignedIn: async () => ++checks < 2 }),
  );
  const errors: unknown[] = [];
  const server = app.listen(0);
  t.teardown(() => server.close());
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  // A client that sends its request and then reads nothing: the response backs up in the socket.
  const client = net.connect(port, '127.0.0.1');
  t.teardown(() => client.destroy());
  client.on('connect', () => {
    client.write('GET /v1/events HTTP/1.1\r\nHost: test\r\n\r\n');
    client.pause();
  });
  server.on('request', (_req, res) => res.on('error', (error) => errors.push(error)));

  const deadline = Date.now() + 3_000;
  while (state.stops === 0 && Date.now() < deadline) {
    state.deliver?.(batch(1_000)); // a busy stream (2 MB a batch), before and after the revoke
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  t.is(state.stops, 1, 'the feed was let go at the revoke, with the client still connected');
  t.true(checks >= 2);
  t.is(state.deliver, undefined);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.deepEqual(errors, [], 'no write after the end');
});
