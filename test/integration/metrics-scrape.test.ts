// /metrics scraped over HTTP while a real scheduler stack (Redis, BullMQ, leader, placement loop, attempt
// driver; a fake executor whose attempts end when the test says) runs jobs: the values move as jobs do.
import test from 'ava';
import { ServiceMetrics } from '../../scheduler/metrics/service-metrics.ts';
import { serveAuthedApi } from '../support/authed-api.ts';
import { gpuNodes } from '../support/builders.ts';
import { failure, success } from '../support/fake-executor.ts';
import { type Exposition, parseExposition, sampleValue } from '../support/prometheus-text.ts';
import { testRedis } from '../support/redis-server.ts';
import { schedulerHarness } from '../support/scheduler-harness.ts';

const H100 = { pool: 'local', gpu_model: 'H100' };

test('counters, histograms and gauges follow jobs from submission to their end', async (t) => {
  const redis = await testRedis();
  t.teardown(() => redis.stop());
  const metrics = new ServiceMetrics();
  const harness = await schedulerHarness(redis.url, gpuNodes(1, { gpus: 2, model: 'H100' }), { metrics });
  t.teardown(() => harness.stop());
  const server = await serveAuthedApi(redis.url, { jobs: harness.jobs, metrics });
  t.teardown(() => server.close());
  const scrape = async (): Promise<Exposition> => {
    const response = await server.fetch('/metrics');
    t.is(response.status, 200);
    t.regex(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parseExposition(await response.text());
  };
  const value = (e: Exposition, name: string, labels: Record<string, string> = {}) =>
    sampleValue(e, name, labels) ?? 0;
  // The driver counts a job's end just after its record changes: a scrape may come in between.
  const scrapeUntil = async (ready: (e: Exposition) => boolean): Promise<Exposition> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const exposition = await scrape();
      if (ready(exposition) || Date.now() > deadline) return exposition;
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const before = await scrape();
  t.is(value(before, 'gpubatch_scheduler_leader'), 1);
  t.is(value(before, 'gpubatch_job_submissions_total', { queue: 'default' }), 0);
  t.is(value(before, 'gpubatch_gpus', H100), 2);
  t.is(value(before, 'gpubatch_gpus_allocated', H100), 0);
  const cyclesBefore = value(before, 'gpubatch_scheduling_cycle_seconds_count');

  // One job takes both GPUs; the second waits for them.
  const big = await harness.submit({ name: 'big', resources: { gpus: 2 } });
  const first = await harness.executor.started(big.id);
  first.hooks.onStarted('fake:cpu');
  await harness.waitForStatus(big.id, 'RUNNING');
  first.hooks.onProgress({ done: 0, total: 1 });
  first.hooks.onProgress({ done: 1, total: 1 });
  const small = await harness.submit({ name: 'small', resources: { gpus: 1 } });
  await harness.waitFor(small.id, (r) => r.statusReason.includes('needs'), 'a waiting reason');

  const during = await scrape();
  t.is(value(during, 'gpubatch_job_submissions_total', { queue: 'default' }), 2);
  t.is(value(during, 'gpubatch_jobs', { queue: 'default', state: 'RUNNING' }), 1);
  t.is(value(during, 'gpubatch_jobs', { queue: 'default', state: 'RUNNABLE' }), 1);
  t.is(value(during, 'gpubatch_gpus_allocated', H100), 2);
  t.is(value(during, 'gpubatch_gpus_free', H100), 0);
  t.true(value(during, 'gpubatch_scheduling_cycle_seconds_count') > cyclesBefore, 'cycles ran');
  t.is(value(during, 'gpubatch_job_wait_seconds_count', { queue: 'default' }), 1);
  t.is(value(during, 'gpubatch_runner_rows_total', { kind: 'kernel' }), 1, 'rows count as progress comes');

  first.settle(success());
  const second = await harness.executor.started(small.id);
  const mid = await scrapeUntil((e) => value(e, 'gpubatch_jobs_succeeded_total', { queue: 'default' }) > 0);
  t.is(
    value(mid, 'gpubatch_gpus_allocated', H100),
    1,
    'the big job gave back its GPUs; the small one holds 1',
  );
  t.is(value(mid, 'gpubatch_jobs_succeeded_total', { queue: 'default' }), 1);
  t.is(value(mid, 'gpubatch_runner_rows_total', { kind: 'kernel' }), 1);

  second.settle(failure('BAD_INPUT', false));
  await harness.waitForStatus(small.id, 'FAILED');
  const after = await scrapeUntil((e) => value(e, 'gpubatch_jobs_failed_total', { queue: 'default' }) > 0);
  t.is(value(after, 'gpubatch_gpus_allocated', H100), 0);
  t.is(value(after, 'gpubatch_gpus_free', H100), 2);
  t.is(value(after, 'gpubatch_jobs', { queue: 'default', state: 'RUNNING' }), 0);
  t.is(value(after, 'gpubatch_jobs', { queue: 'default', state: 'RUNNABLE' }), 0);
  t.is(value(after, 'gpubatch_jobs_stored', { state: 'SUCCEEDED' }), 1);
  t.is(value(after, 'gpubatch_jobs_stored', { state: 'FAILED' }), 1);
  t.is(value(after, 'gpubatch_jobs_failed_total', { queue: 'default', reason: 'BAD_INPUT' }), 1);
  t.is(value(after, 'gpubatch_attempts_ended_total', { queue: 'default', outcome: 'succeeded' }), 1);
  t.is(value(after, 'gpubatch_attempts_ended_total', { queue: 'default', outcome: 'failed' }), 1);
  t.is(value(after, 'gpubatch_attempt_run_seconds_count', { queue: 'default' }), 2);
  t.is(value(after, 'gpubatch_job_wait_seconds_count', { queue: 'default' }), 2);
});

test('a cancel through the API counts as a failure with reason CANCELLED', async (t) => {
  const redis = await testRedis();
  t.teardown(() => redis.stop());
  const metrics = new ServiceMetrics();
  const harness = await schedulerHarness(redis.url, gpuNodes(1, { gpus: 1 }), { metrics });
  t.teardown(() => harness.stop());
  const running = await harness.submit({ resources: { gpus: 1 } });
  await harness.executor.started(running.id);
  const waiting = await harness.submit({ resources: { gpus: 1 } });
  await harness.jobs.cancel(waiting.id, 'not needed');
  const exposition = parseExposition(await metrics.text());
  t.is(sampleValue(exposition, 'gpubatch_jobs_failed_total', { reason: 'CANCELLED' }), 1);
  t.is(sampleValue(exposition, 'gpubatch_jobs', { queue: 'default', state: 'RUNNABLE' }), 0);
});
