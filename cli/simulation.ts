// What `gpubatch simulate` does once its options are valid: read the cluster and the trace, run every
// policy through the chosen mode (both drive the production core), print a summary or JSON, draw a plot.
// Loaded only by that command, so the other commands never load the core or the simulator.
import { scorerNames } from '../scheduler/core/scorers/registry.ts';
import { DEFAULT_QUEUE_SETTINGS } from '../scheduler/queue-settings.ts';
import { queueMetrics } from '../scheduler/sim/metrics.ts';
import { runOnlineDrop } from '../scheduler/sim/online-drop.ts';
import { allocationSvg, onlineDropSvg } from '../scheduler/sim/plot.ts';
import { type QueueSettings, replayQueue } from '../scheduler/sim/replay.ts';
import type { CliContext } from './context.ts';
import { CliError, EXIT } from './errors.ts';
import { type QueuesFile, readCluster, readQueuesFile, readTrace, writeOutput } from './sim-files.ts';
import { onlineDropSummary, queueSummary } from './sim-report.ts';

export interface SimulateRequest {
  cluster: string;
  trace: string;
  policies: string[];
  mode: 'queue' | 'online-drop';
  inflate: number;
  seed: number;
  json: boolean;
  plot?: string;
  shareWeights: Record<string, number>;
  halfLifeSeconds?: number;
  horizonSeconds?: number;
  /** Look-ahead window per queue; 0: none. Default: the --queues file's windowPerQueue, else 256. */
  windowPerQueue?: number;
  /** The service's config shape: `queues:` (priority, preemption), `fairShare:`, `windowPerQueue:`. */
  queuesFile?: string;
}

function checkPolicies(policies: readonly string[]): void {
  const known = scorerNames();
  const unknown = policies.find((policy) => !known.includes(policy));
  if (unknown !== undefined)
    throw new CliError(
      `simulate: --policy: unknown policy "${unknown}"; known: ${known.join(', ')}`,
      EXIT.usage,
    );
}

/** One result prints as an object, several (a list of policies) as an array. */
function json(results: readonly unknown[]): string {
  return `${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`;
}

export async function runSimulation(request: SimulateRequest, ctx: CliContext): Promise<number> {
  checkPolicies(request.policies);
  const cluster = await readCluster(request.cluster, ctx);
  const trace = await readTrace(request.trace, ctx);
  const file: QueuesFile =
    request.queuesFile === undefined ? { queues: {} } : await readQueuesFile(request.queuesFile, ctx);
  // Command-line options win over the file; the file over the simulator's defaults.
  const shareWeights =
    Object.keys(request.shareWeights).length > 0 ? request.shareWeights : (file.fairShare?.weights ?? {});
  const halfLifeSeconds = request.halfLifeSeconds ?? file.fairShare?.halfLifeSeconds;
  const windowPerQueue = request.windowPerQueue ?? file.windowPerQueue;
  // As in the service, a queue the file does not list gets the default settings.
  const queues: Record<string, QueueSettings> = {};
  for (const job of trace) {
    const name = job.queue ?? 'default';
    const { priority, canPreempt, preemptible } = DEFAULT_QUEUE_SETTINGS;
    queues[name] ??= file.queues[name] ?? { priority, canPreempt, preemptible };
  }
  let svg: string;
  if (request.mode === 'online-drop') {
    const results = request.policies.map((policy) => {
      const { curve, ...rest } = runOnlineDrop(cluster, trace, {
        policy,
        inflate: request.inflate,
        seed: request.seed,
      });
      return { curve, ...rest }; // the curve first, as documented
    });
    ctx.stdout.write(request.json ? json(results) : onlineDropSummary(results));
    svg = onlineDropSvg(results);
  } else {
    const metrics = request.policies.map((policy) =>
      queueMetrics(
        replayQueue(cluster, trace, {
          policy,
          seed: request.seed,
          shareWeights,
          halfLifeSeconds,
          horizonSeconds: request.horizonSeconds,
          windowPerQueue,
          queues,
        }),
        { shareWeights },
      ),
    );
    ctx.stdout.write(
      request.json ? json(metrics) : metrics.map((result) => queueSummary(result, shareWeights)).join('\n'),
    );
    svg = allocationSvg(metrics.map((m) => ({ policy: m.policy, points: m.allocationOverTime })));
  }
  if (request.plot !== undefined) {
    await writeOutput(request.plot, svg, ctx);
    ctx.stderr.write(`plot: ${request.plot}\n`);
  }
  return EXIT.ok;
}
