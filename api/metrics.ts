// GET /metrics: the stack's Prometheus registry (scheduler/metrics/service-metrics.ts) when the service
// passes one; alone, the API exports the pool gauges below. They come from the numbers the scheduler leader
// publishes (the autoscaling signal among them), so a cluster autoscaler or an alert can read them.
import type { RequestHandler } from 'express';
import { Gauge, Registry } from 'prom-client';
import type { ComputeEnvironmentView, JobService } from './job-service.ts';

export interface MetricsEndpoint {
  contentType: string;
  text(): Promise<string>;
}

/** GET /metrics of the API and of the scheduler's probe port; a source that fails goes to the problem handler. */
export function metricsHandler(metrics: MetricsEndpoint): RequestHandler {
  return async (_req, res, next) => {
    try {
      const text = await metrics.text();
      res.type(metrics.contentType).send(text);
    } catch (error) {
      next(error);
    }
  };
}

const POOL_GAUGES: Array<{
  name: string;
  help: string;
  value: (ce: ComputeEnvironmentView) => number | null | undefined;
}> = [
  {
    name: 'gpubatch_pool_nodes_wanted',
    help: "More nodes of the pool's usual shape that would let the waiting jobs run.",
    value: (ce) => ce.nodesWanted,
  },
  { name: 'gpubatch_pool_nodes', help: 'Nodes of the pool, schedulable or not.', value: (ce) => ce.nodes },
  {
    name: 'gpubatch_pool_schedulable_nodes',
    help: 'Nodes of the pool that take new work.',
    value: (ce) => ce.schedulableNodes,
  },
  {
    name: 'gpubatch_pool_pending_jobs',
    help: "Jobs in the leader's look-ahead window waiting for a place.",
    value: (ce) => ce.pendingJobs,
  },
];

/**
 * The pool gauges, read at scrape time; a pool without published numbers has no series. One read serves
 * the four gauges of a scrape: call the returned function before each scrape to read afresh.
 */
export function registerPoolGauges(
  registers: Registry[],
  environments: () => Promise<readonly ComputeEnvironmentView[]>,
): () => void {
  let last: { at: number; read: Promise<readonly ComputeEnvironmentView[]> } | undefined;
  const read = () => {
    const now = Date.now();
    if (!last || now - last.at > 1000) last = { at: now, read: environments() };
    return last.read;
  };
  for (const gauge of POOL_GAUGES)
    new Gauge({
      name: gauge.name,
      help: gauge.help,
      labelNames: ['compute_environment'],
      registers,
      async collect() {
        this.reset();
        for (const ce of await read()) {
          const value = gauge.value(ce);
          if (typeof value === 'number') this.set({ compute_environment: ce.name }, value);
        }
      },
    });
  return () => {
    last = undefined;
  };
}

/** /metrics of an API without the service's registry: the pool gauges alone. */
export function poolMetrics(jobs: JobService): MetricsEndpoint {
  const registry = new Registry();
  const fresh = registerPoolGauges([registry], () => jobs.computeEnvironments());
  return {
    contentType: registry.contentType,
    text: () => {
      fresh();
      return registry.metrics();
    },
  };
}
