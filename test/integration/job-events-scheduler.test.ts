// The events routes over the real scheduler (leader, placement, driver, fake executor): what a client
// sees is what the scheduler did, in order, and a reconnect picks up exactly where it left off.
import test, { type ExecutionContext } from 'ava';
import { RedisJobEventFeed } from '../../scheduler/store/job-events.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { bearer, serveAuthedApi } from '../support/authed-api.ts';
import { gpuNodes } from '../support/builders.ts';
import { success } from '../support/fake-executor.ts';
import { schedulerStackPerTest } from '../support/scheduler-stack.ts';
import { openSse, type SseEvent } from '../support/sse-client.ts';

const stack = schedulerStackPerTest(test, () => gpuNodes(1, { gpus: 2, cpuMilli: 8000, memoryMiB: 16_384 }));

async function eventsApi(t: ExecutionContext) {
  const client = connect(stack.redis.url);
  const server = await serveAuthedApi(stack.redis.url, {
    jobs: stack.harness.jobs,
    events: new RedisJobEventFeed(client, { blockMs: 200 }),
  });
  const streams: { close(): void }[] = [];
  t.teardown(async () => {
    for (const s of streams) s.close();
    await server.close();
    client.disconnect();
  });
  return async (path: string, headers: Record<string, string> = {}) => {
    const stream = await openSse(server.url + path, { ...bearer(server.token), ...headers });
    streams.push(stream);
    return stream;
  };
}

const statuses = (events: SseEvent[]) => events.map((e) => (JSON.parse(e.data) as { status: string }).status);

test.serial(
  'a client sees a job go RUNNABLE -> STARTING -> RUNNING -> SUCCEEDED, and resumes without gaps',
  async (t) => {
    const open = await eventsApi(t);
    const all = await open('/v1/events');

    const job = await stack.harness.submit({ resources: { gpus: 1 } });
    const attempt = await stack.harness.executor.started(job.id);
    const beforeStart = await all.take(4); // SUBMITTED, PENDING, RUNNABLE, STARTING
    all.close();
    attempt.hooks.onStarted('fake:cpu');
    await stack.harness.waitForStatus(job.id, 'RUNNING');
    attempt.settle(success('/data/out.npy'));
    await stack.harness.waitForStatus(job.id, 'SUCCEEDED');

    const resumed = await open('/v1/events', { 'last-event-id': beforeStart[3]?.id as string });
    const missed = await resumed.take(2);
    const history = await (await open(`/v1/jobs/${job.id}/events`)).take(6);

    t.deepEqual(statuses(beforeStart), ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING']);
    t.deepEqual(statuses(missed), ['RUNNING', 'SUCCEEDED']);
    await t.throwsAsync(resumed.take(1, 500), undefined, 'nothing twice');
    t.deepEqual(statuses(history), ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED']);
  },
);

test.serial(
  'a job created waiting for a dependency streams SUBMITTED and PENDING, then RUNNABLE once it is met',
  async (t) => {
    const open = await eventsApi(t);
    const first = await stack.harness.submit({ resources: { gpus: 1 } });
    const second = await stack.harness.submit({ resources: { gpus: 1 }, dependsOn: [{ jobId: first.id }] });
    const stream = await open(`/v1/events?jobId=${second.id}`, { 'last-event-id': '0-0' });

    const created = await stream.take(2);
    const attempt = await stack.harness.executor.started(first.id);
    attempt.hooks.onStarted('fake:cpu');
    attempt.settle(success('/data/out.npy'));
    const released = await stream.take(1);

    t.deepEqual(statuses(created), ['SUBMITTED', 'PENDING']);
    t.deepEqual(statuses(released), ['RUNNABLE']);
  },
);
