// The HTTP port of a scheduler-only process (`up --role scheduler`): probes and a few gauges, no REST API.
// /metrics needs a token like the API's (checked against the same Redis) unless opened by config.
// /readyz is 200 for a standby too: a Deployment's rollout waits for Ready pods, and a standby that is
// campaigning is exactly what a healthy replica looks like. Which replica leads is in the body and /metrics.
import express, { type Express } from 'express';
import type { AuthOptions } from '../api/app.ts';
import { authenticate } from '../api/auth.ts';
import { type MetricsEndpoint, metricsHandler } from '../api/metrics.ts';
import { problem, problemHandler, sendProblem, unknownRoute } from '../api/problem.ts';
import { ServiceMetrics } from './metrics/service-metrics.ts';

export interface SchedulerProbeState {
  /** Leading, or standing by (campaigning); false once stopped. */
  isRunning: boolean;
  isLeader: boolean;
  /** Throws when Redis does not answer. */
  pingRedis(): Promise<unknown>;
  /** The stack's registry (scheduling metrics, job counts); default: the leader gauges alone. */
  metrics?: MetricsEndpoint;
  /** Where unexpected (500) errors go; default console.error. */
  logError?: (error: unknown) => void;
  /** /metrics needs a bearer token of any role, as on the API port, unless metricsOpen. */
  auth: AuthOptions;
}

export function schedulerProbeApp(state: SchedulerProbeState): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (req, res) => {
    if (state.isRunning) res.json({ status: 'ok' });
    else
      sendProblem(res, {
        ...problem(503, 'Not running', 'the scheduler has stopped'),
        instance: req.originalUrl,
      });
  });
  app.get('/readyz', async (req, res) => {
    const detail = await readiness(state);
    if (detail.ready)
      res.json({ status: 'ready', role: state.isLeader ? 'leader' : 'standby', detail: detail.text });
    else sendProblem(res, { ...problem(503, 'Not ready', detail.text), instance: req.originalUrl });
  });
  const metrics = metricsHandler(state.metrics ?? leaderGaugesOnly(state));
  if (state.auth.metricsOpen) app.get('/metrics', metrics);
  else app.get('/metrics', authenticate(state.auth.tokens), metrics);
  app.use(unknownRoute());
  app.use(problemHandler(state.logError ?? ((error) => console.error(error))));
  return app;
}

async function readiness(state: SchedulerProbeState): Promise<{ ready: boolean; text: string }> {
  if (!state.isRunning) return { ready: false, text: 'the scheduler has stopped' };
  try {
    await state.pingRedis();
  } catch (error) {
    return { ready: false, text: `redis: ${(error as Error).message}` };
  }
  return { ready: true, text: state.isLeader ? 'leading' : 'standing by for leadership' };
}

function leaderGaugesOnly(state: SchedulerProbeState): MetricsEndpoint {
  const metrics = new ServiceMetrics();
  metrics.watch({
    scheduler: {
      get isRunning() {
        return state.isRunning;
      },
      get isLeader() {
        return state.isLeader;
      },
      gpuUsage: () => [],
      fairShareUsage: () => ({}),
    },
  });
  return metrics;
}
