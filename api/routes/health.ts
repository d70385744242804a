// Probes: /healthz says the process answers; /readyz says the service can take work.
import { Router } from 'express';
import type { JobService } from '../job-service.ts';
import { problem, sendProblem } from '../problem.ts';

async function readiness(jobs: JobService): Promise<{ ready: boolean; detail: string }> {
  try {
    return await jobs.ready();
  } catch (error) {
    return { ready: false, detail: `readiness check failed: ${(error as Error).message}` };
  }
}

export function healthRouter(jobs: JobService): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const { ready, detail } = await readiness(jobs);
    if (ready) res.json({ status: 'ready', detail });
    else sendProblem(res, { ...problem(503, 'Not ready', detail), instance: req.originalUrl });
  });
  return router;
}
