// The port of a scheduler-only process: /healthz while it runs, /readyz for leader and standby alike (a
// rollout waits for Ready pods), 503 when Redis does not answer or it stopped, /metrics gauges, no API.
import test, { type ExecutionContext } from 'ava';
import { type SchedulerProbeState, schedulerProbeApp } from '../../scheduler/probe-app.ts';
import { FakeApiTokens } from '../support/fake-api-tokens.ts';
import { serve } from '../support/http-server.ts';

async function probes(t: ExecutionContext, state: Partial<SchedulerProbeState>) {
  const tokens = new FakeApiTokens();
  const token = await tokens.tokenFor('viewer');
  const server = await serve(
    schedulerProbeApp({
      isRunning: true,
      isLeader: false,
      pingRedis: async () => 'PONG',
      auth: { tokens },
      ...state,
    }),
  );
  t.teardown(() => server.close());
  /** GET with a viewer's token unless `as` says otherwise (null: none). */
  return async (path: string, as: string | null = token) => {
    const response = await fetch(`${server.url}${path}`, {
      headers: as === null ? {} : { authorization: `Bearer ${as}` },
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: await response.text(),
    };
  };
}

test('a standby is healthy and ready, and says it is a standby', async (t) => {
  const get = await probes(t, { isLeader: false });

  t.is((await get('/healthz')).status, 200);
  const ready = await get('/readyz');
  t.is(ready.status, 200);
  t.like(JSON.parse(ready.body), { status: 'ready', role: 'standby' });
  t.regex((await get('/metrics')).body, /^gpubatch_scheduler_leader 0$/m);
});

test('the leader says so in /readyz and /metrics', async (t) => {
  const get = await probes(t, { isLeader: true });

  t.like(JSON.parse((await get('/readyz')).body), { role: 'leader', detail: 'leading' });
  const metrics = await get('/metrics');
  t.regex(metrics.type ?? '', /^text\/plain/);
  t.regex(metrics.body, /^gpubatch_scheduler_leader 1$/m);
  t.regex(metrics.body, /^gpubatch_scheduler_running 1$/m);
});

test('not ready while Redis does not answer, naming why', async (t) => {
  const get = await probes(t, {
    pingRedis: async () => {
      throw new Error('connect ECONNREFUSED');
    },
  });

  const ready = await get('/readyz');
  t.is(ready.status, 503);
  t.regex(ready.type ?? '', /^application\/problem\+json/);
  t.is(JSON.parse(ready.body).detail, 'redis: connect ECONNREFUSED');
  t.is((await get('/healthz')).status, 200, 'Redis trouble is no reason to restart the process');
});

test('a stopped scheduler fails its liveness probe, and the port serves no REST API', async (t) => {
  const get = await probes(t, { isRunning: false });

  t.is((await get('/healthz')).status, 503);
  t.is((await get('/readyz')).status, 503);
  const jobs = await get('/v1/jobs');
  t.is(jobs.status, 404);
  t.regex(jobs.type ?? '', /^application\/problem\+json/);
});

test('/metrics needs a token of any role, like the API port; the probes do not', async (t) => {
  const get = await probes(t, {});

  t.is((await get('/metrics', null)).status, 401);
  t.is((await get('/metrics', 'gpb_made_up')).status, 401);
  t.is((await get('/healthz', null)).status, 200);
  t.is((await get('/readyz', null)).status, 200);
});

test('/metrics is open when configured so (GPUBATCH_METRICS_OPEN)', async (t) => {
  const get = await probes(t, { auth: { tokens: new FakeApiTokens(), metricsOpen: true } });

  t.regex((await get('/metrics', null)).body, /^gpubatch_scheduler_leader 0$/m);
});
