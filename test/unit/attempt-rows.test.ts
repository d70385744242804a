// Runner rows are counted as attempts report progress (rate() is live throughput), completed at success.
import test from 'ava';
import { AttemptRows } from '../../scheduler/metrics/job-metrics.ts';
import { ServiceMetrics } from '../../scheduler/metrics/service-metrics.ts';
import { parseExposition, sampleValue } from '../support/prometheus-text.ts';

async function read(metrics: ServiceMetrics) {
  const exposition = parseExposition(await metrics.text());
  return {
    rows: sampleValue(exposition, 'gpubatch_runner_rows_total', { kind: 'inference' }) ?? 0,
    attempts: sampleValue(exposition, 'gpubatch_runner_rows_per_second_count', { kind: 'inference' }) ?? 0,
    rowsPerSecondSum:
      sampleValue(exposition, 'gpubatch_runner_rows_per_second_sum', { kind: 'inference' }) ?? 0,
  };
}

test('rows count while the attempt runs, and the success completes them', async (t) => {
  const metrics = new ServiceMetrics();
  const rows = new AttemptRows(metrics);
  rows.progress('j', 'inference', 0);
  rows.progress('j', 'inference', 40);
  t.is((await read(metrics)).rows, 40, 'counted before the attempt ends');
  rows.progress('j', 'inference', 100);
  rows.progress('j', 'inference', 90); // a late, older report counts nothing
  rows.ended('j', 'inference', { rows: 120, runSeconds: 4 });
  t.deepEqual(await read(metrics), { rows: 120, attempts: 1, rowsPerSecondSum: 30 });
});

test('a resumed attempt counts from its checkpoint', async (t) => {
  const metrics = new ServiceMetrics();
  const rows = new AttemptRows(metrics);
  rows.progress('j', 'inference', 500); // the first report: where the checkpoint left off
  rows.progress('j', 'inference', 800);
  rows.ended('j', 'inference', { rows: 1000, runSeconds: 10 });
  t.deepEqual(await read(metrics), { rows: 500, attempts: 1, rowsPerSecondSum: 50 });
});

test('a failed attempt keeps the rows it processed; no throughput sample', async (t) => {
  const metrics = new ServiceMetrics();
  const rows = new AttemptRows(metrics);
  rows.progress('j', 'inference', 0);
  rows.progress('j', 'inference', 30);
  rows.ended('j', 'inference');
  // The next attempt of the same job starts afresh.
  rows.progress('j', 'inference', 0);
  rows.ended('j', 'inference', { rows: 60, runSeconds: 2 });
  t.deepEqual(await read(metrics), { rows: 90, attempts: 1, rowsPerSecondSum: 30 });
});

test('an attempt that reported no progress counts its result', async (t) => {
  const metrics = new ServiceMetrics();
  new AttemptRows(metrics).ended('j', 'inference', { rows: 10, runSeconds: 0.5 });
  t.deepEqual(await read(metrics), { rows: 10, attempts: 1, rowsPerSecondSum: 20 });
});
