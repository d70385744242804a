// An event stream outlives the token check made when it opened: at each heartbeat the token is checked
// again, and a revoked token's stream gets a `revoked` event and ends, while others' streams go on.
import test from 'ava';
import type { JobRecord } from '../../scheduler/job-record.ts';
import { redisForFile } from '../support/redis-server.ts';
import type { SseEvent } from '../support/sse-client.ts';
import type { Caller } from '../support/tenant-api.ts';
import { tenantApi } from '../support/tenant-api.ts';

const redis = redisForFile(test);

const VIEWER: Caller = 'viewer:a';
const SUBMITTER: Caller = 'submitter:a';
const ADMIN: Caller = 'admin:ops';

test('a stream whose token is revoked ends with a revoked event; another caller’s stream goes on', async (t) => {
  const api = await tenantApi(t, redis.client, { eventsHeartbeatMs: 100 });
  const revoked = await api.events(VIEWER, '/v1/events');
  const replayed = await api.events(VIEWER, '/v1/events?since=0-0');
  const admin = await api.events(ADMIN, '/v1/events');
  const before = (await api.submit(SUBMITTER)).body as JobRecord;
  t.is((await revoked.take(1))[0]?.event, 'status', 'the stream works before the revoke');

  await api.revoke(VIEWER);
  // Both of the viewer's streams end with `revoked`, after the events of the job before it.
  for (const stream of [revoked, replayed]) {
    const types: string[] = [];
    let last: SseEvent | undefined;
    while (last?.event !== 'revoked') {
      last = (await stream.take(1, 2000))[0];
      types.push(last?.event ?? '');
    }
    t.true(types.slice(0, -1).every((type) => type === 'status'));
    t.deepEqual(JSON.parse(last.data), { reason: 'the token was revoked' });
  }
  const after = (await api.submit(SUBMITTER)).body as JobRecord;
  await t.throwsAsync(revoked.take(1, 500), { message: /got 0 of 1/ });

  const seenByAdmin = (await admin.take(4)).map((e) => (JSON.parse(e.data) as { jobId: string }).jobId);
  t.deepEqual(new Set(seenByAdmin), new Set([before.id, after.id]));
  t.is((await api.events(VIEWER, '/v1/events')).status, 401, 'and it cannot open a new one');
});
