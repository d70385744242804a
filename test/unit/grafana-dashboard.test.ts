// manifests/grafana/gpubatch-dashboard.json: valid JSON that Grafana can import, whose queries name only
// metrics the service exports (a renamed metric must not leave an empty panel behind).
import { readFileSync } from 'node:fs';
import test from 'ava';
import { ServiceMetrics } from '../../scheduler/metrics/service-metrics.ts';

interface Panel {
  id: number;
  title: string;
  datasource: { type: string; uid: string };
  targets: Array<{ refId: string; expr: string }>;
}

const dashboard = JSON.parse(
  readFileSync(new URL('../../manifests/grafana/gpubatch-dashboard.json', import.meta.url), 'utf8'),
) as { uid: string; title: string; panels: Panel[]; __inputs: Array<{ name: string }> };

/** Every series name the registry can produce: histograms as their _bucket, _sum and _count series. */
function exportedSeries(): Set<string> {
  const names = new Set<string>();
  for (const metric of new ServiceMetrics().registry.getMetricsAsArray()) {
    const { name, type } = metric as unknown as { name: string; type: string };
    if (type === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    else names.add(name);
  }
  return names;
}

/** Metric names in a PromQL expression: identifiers starting gpubatch_ (labels and functions never do). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\bgpubatch_[a-zA-Z0-9_:]*/g)].map((m) => m[0]);
}

test('the dashboard is importable: a title, a uid, panels with unique ids and a Prometheus input', (t) => {
  t.is(dashboard.title, 'gpubatch');
  t.truthy(dashboard.uid);
  t.deepEqual(
    dashboard.__inputs.map((i) => i.name),
    ['DS_PROMETHEUS'],
  );
  const ids = dashboard.panels.map((p) => p.id);
  t.is(new Set(ids).size, ids.length);
  // Grafana substitutes the data source chosen at import for this placeholder.
  const placeholder = ['$', '{DS_PROMETHEUS}'].join('');
  for (const panel of dashboard.panels) {
    t.is(panel.datasource.uid, placeholder, panel.title);
    t.true(panel.targets.length > 0, panel.title);
  }
});

test('every query names only metrics the service exports, and every metric family has a panel', (t) => {
  const exported = exportedSeries();
  const used = new Set<string>();
  for (const panel of dashboard.panels)
    for (const target of panel.targets) {
      const names = metricsIn(target.expr);
      t.true(names.length > 0, `${panel.title} ${target.refId} queries no gpubatch metric`);
      for (const name of names) {
        t.true(exported.has(name), `${panel.title}: ${name} is not exported`);
        used.add(name.replace(/_(bucket|sum|count)$/, ''));
      }
    }
  for (const metric of new ServiceMetrics().registry.getMetricsAsArray()) {
    const { name } = metric as unknown as { name: string };
    t.true(used.has(name), `${name} has no panel`);
  }
});
