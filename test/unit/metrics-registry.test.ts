// The service's Prometheus registry: names and labels follow the conventions, the text exposition parses
// strictly, scrape-time gauges read their sources at each scrape, and every metric is documented.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { type ScrapeSources, ServiceMetrics } from '../../scheduler/metrics/service-metrics.ts';
import { parseExposition, sampleValue } from '../support/prometheus-text.ts';

/** Every label a metric may carry: all low-cardinality (never a job id). `le` is the histograms'. */
const ALLOWED_LABELS = new Set([
  'source',
  'queue',
  'state',
  'reason',
  'outcome',
  'pool',
  'gpu_model',
  'share',
  'kind',
  'compute_environment',
  'le',
]);

function sources(over: Partial<ScrapeSources> = {}): ScrapeSources {
  return {
    jobCounts: async () => [
      { status: 'RUNNABLE', count: 3 },
      { status: 'SUCCEEDED', count: 7 },
      { queue: 'default', status: 'RUNNABLE', count: 3 },
    ],
    computeEnvironments: async () => [{ name: 'gpu', type: 'local', queues: ['default'], nodesWanted: 2 }],
    scheduler: {
      isRunning: true,
      isLeader: true,
      gpuUsage: () => [{ pool: 'gpu', model: 'H100', total: 8, allocated: 2.5, free: 5.5, fragmented: 0.5 }],
      fairShareUsage: () => ({ teamA: 12.5 }),
      budgetUsage: () => [{ share: 'teamA', usedGpuHours: 1.5, budgetGpuHours: 10 }],
    },
    ...over,
  };
}

/** A registry with a sample in every metric. */
function filled(): ServiceMetrics {
  const metrics = new ServiceMetrics();
  metrics.watch(sources());
  metrics.submissions.inc({ queue: 'default' });
  metrics.succeeded.inc({ queue: 'default' });
  metrics.failed.inc({ queue: 'default', reason: 'TIMEOUT' });
  metrics.attemptsEnded.inc({ queue: 'default', outcome: 'succeeded' });
  metrics.waitSeconds.observe({ queue: 'default' }, 2);
  metrics.runSeconds.observe({ queue: 'default' }, 30);
  metrics.cycleSeconds.observe(0.004);
  metrics.runnerRows.inc({ kind: 'inference' }, 1000);
  metrics.runnerRowsPerSecond.observe({ kind: 'inference' }, 250);
  metrics.sourceErrors.inc({ source: 'job_counts' });
  return metrics;
}

test('the exposition parses strictly, and every metric follows the naming conventions', async (t) => {
  const metrics = filled();
  const exposition = parseExposition(await metrics.text());
  t.true(exposition.types.size >= 20);
  for (const [name, type] of exposition.types) {
    t.true(name.startsWith('gpubatch_'), name);
    t.truthy(exposition.help.get(name), `${name} has help`);
    if (type === 'histogram') t.regex(name, /_(seconds|per_second)$/, `${name}: a histogram in base units`);
    t.notRegex(name, /_(milliseconds|ms|minutes|hours_total)$/, `${name}: base units`);
  }
  for (const sample of exposition.samples)
    for (const label of Object.keys(sample.labels))
      t.true(ALLOWED_LABELS.has(label), `${sample.name}{${label}}`);
  t.is(sampleValue(exposition, 'gpubatch_job_submissions_total', { queue: 'default' }), 1);
  t.is(sampleValue(exposition, 'gpubatch_jobs_failed_total', { reason: 'TIMEOUT' }), 1);
  t.is(sampleValue(exposition, 'gpubatch_scheduling_cycle_seconds_count'), 1);
  t.is(sampleValue(exposition, 'gpubatch_job_wait_seconds_bucket', { queue: 'default', le: '1' }), 0);
  t.is(sampleValue(exposition, 'gpubatch_job_wait_seconds_bucket', { queue: 'default', le: '5' }), 1);
});

test('scrape-time gauges read their sources at each scrape', async (t) => {
  const metrics = filled();
  const first = parseExposition(await metrics.text());
  t.is(sampleValue(first, 'gpubatch_jobs', { queue: 'default', state: 'RUNNABLE' }), 3);
  t.is(sampleValue(first, 'gpubatch_jobs_stored', { state: 'SUCCEEDED' }), 7);
  t.is(sampleValue(first, 'gpubatch_gpus_allocated', { pool: 'gpu', gpu_model: 'H100' }), 2.5);
  t.is(sampleValue(first, 'gpubatch_gpus_fragmented', { pool: 'gpu', gpu_model: 'H100' }), 0.5);
  t.is(sampleValue(first, 'gpubatch_fair_share_usage_seconds', { share: 'teamA' }), 12.5);
  t.is(sampleValue(first, 'gpubatch_budget_used_gpu_seconds', { share: 'teamA' }), 1.5 * 3600);
  t.is(sampleValue(first, 'gpubatch_budget_gpu_seconds', { share: 'teamA' }), 10 * 3600);
  t.is(sampleValue(first, 'gpubatch_pool_nodes_wanted', { compute_environment: 'gpu' }), 2);
  t.is(sampleValue(first, 'gpubatch_scheduler_leader'), 1);

  // The queue's jobs all ran, and this process stopped leading: those series go, and nothing is made up.
  metrics.watch(
    sources({
      jobCounts: async () => [{ status: 'SUCCEEDED', count: 10 }],
      scheduler: { ...sources().scheduler!, isLeader: false },
    }),
  );
  const second = parseExposition(await metrics.text());
  t.is(sampleValue(second, 'gpubatch_jobs', { queue: 'default', state: 'RUNNABLE' }), undefined);
  t.is(sampleValue(second, 'gpubatch_jobs_stored', { state: 'SUCCEEDED' }), 10);
  t.is(sampleValue(second, 'gpubatch_scheduler_leader'), 0);
  t.is(sampleValue(second, 'gpubatch_gpus_allocated', { pool: 'gpu', gpu_model: 'H100' }), undefined);
  t.is(sampleValue(second, 'gpubatch_fair_share_usage_seconds', { share: 'teamA' }), undefined);
});

test('a failing source leaves its gauges empty, is counted, and the rest of the scrape answers', async (t) => {
  const metrics = new ServiceMetrics();
  metrics.watch(
    sources({
      jobCounts: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    }),
  );
  const exposition = parseExposition(await metrics.text());
  t.is(sampleValue(exposition, 'gpubatch_jobs_stored', { state: 'SUCCEEDED' }), undefined);
  t.is(sampleValue(exposition, 'gpubatch_metrics_source_errors_total', { source: 'job_counts' }), 1);
  t.is(sampleValue(exposition, 'gpubatch_scheduler_leader'), 1);
  t.is(sampleValue(exposition, 'gpubatch_pool_nodes_wanted', { compute_environment: 'gpu' }), 2);
});

test('two stacks in one process keep their own registries', async (t) => {
  const a = new ServiceMetrics();
  const b = new ServiceMetrics();
  a.submissions.inc({ queue: 'default' }, 5);
  t.is(
    sampleValue(parseExposition(await a.text()), 'gpubatch_job_submissions_total', { queue: 'default' }),
    5,
  );
  t.is(
    sampleValue(parseExposition(await b.text()), 'gpubatch_job_submissions_total', { queue: 'default' }),
    undefined,
  );
});

test('every metric is documented in docs/metrics.md with its type', async (t) => {
  const docs = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
  const { types } = parseExposition(await filled().text());
  for (const [name, type] of types) {
    const row = docs.split('\n').find((line) => line.startsWith(`| \`${name}\``));
    t.truthy(row, `${name} has a row in docs/metrics.md`);
    t.true(row?.includes(`| ${type} |`), `${name} is documented as a ${type}`);
  }
});

test('the exposition reader rejects what Prometheus would', (t) => {
  t.throws(() => parseExposition('# TYPE x_requests counter\nx_requests 1\n'), { message: /_total/ });
  t.throws(() => parseExposition('x_total 1\n'), { message: /before its TYPE/ });
  t.throws(() => parseExposition('# TYPE 1x gauge\n'), { message: /invalid metric name/ });
  t.throws(() => parseExposition('# TYPE x gauge\nx{job-id="a"} 1\n'), {
    message: /bad labels|invalid label/,
  });
  t.throws(() => parseExposition('# TYPE x gauge\nx one\n'), { message: /bad value/ });
  t.throws(() => parseExposition('# TYPE h histogram\nh_bucket 1\n'), { message: /without le/ });
  t.notThrows(() => parseExposition('# TYPE x gauge\nx{a="b \\"c\\"",d="e"} 1.5\n'));
});
