// The HTTP port of a scheduler-only process (`up --role scheduler`): probes and a few gauges, no REST API.
// /readyz is 200 for a standby too: a Deployment's rollout waits for Ready pods, and a standby that is
// campaigning is exactly what a healthy replica looks like. Which replica leads is in the body and /metrics.
import express, { type Express } from 'express';
import { problem, problemHandler, sendProblem, unknownRoute } from '../api/problem.ts';

export interface SchedulerProbeState {
  /** Leading, or standing by (campaigning); false once stopped. */
  isRunning: boolean;
  isLeader: boolean;
  /** Throws when Redis does not answer. */
  pingRedis(): Promise<unknown>;
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
  app.get('/metrics', (_req, res) => {
    res
      .type('text/plain; version=0.0.4')
      .send(
        [
          '# HELP gpubatch_scheduler_leader 1 while this process is the scheduler leader.',
          '# TYPE gpubatch_scheduler_leader gauge',
          `gpubatch_scheduler_leader ${state.isLeader ? 1 : 0}`,
          '# HELP gpubatch_scheduler_running 1 while this process leads or stands by.',
          '# TYPE gpubatch_scheduler_running gauge',
          `gpubatch_scheduler_running ${state.isRunning ? 1 : 0}`,
          '',
        ].join('\n'),
      );
  });
  app.use(unknownRoute());
  app.use(problemHandler((error) => console.error(error)));
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
