// GET /metrics: Prometheus text gauges per compute environment, from the numbers the scheduler leader
// publishes (the autoscaling signal among them), so a cluster autoscaler or an alert can read them.
import type { ComputeEnvironmentView } from './job-service.ts';

const GAUGES: Array<{
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

export function metricsText(environments: readonly ComputeEnvironmentView[]): string {
  const lines: string[] = [];
  for (const gauge of GAUGES) {
    lines.push(`# HELP ${gauge.name} ${gauge.help}`, `# TYPE ${gauge.name} gauge`);
    for (const ce of environments) {
      const value = gauge.value(ce);
      if (typeof value === 'number') lines.push(`${gauge.name}{compute_environment="${ce.name}"} ${value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
