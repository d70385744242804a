// /v1/queues: the names of the job queues that exist.
import { Router } from 'express';
import type { JobService } from '../job-service.ts';

export function queuesRouter(jobs: JobService): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.json({ queues: await jobs.queues() });
  });
  return router;
}

/** /v1/compute-environments: each pool with the leader's numbers, the autoscaling signal among them. */
export function computeEnvironmentsRouter(jobs: JobService): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.json({ computeEnvironments: await jobs.computeEnvironments() });
  });
  return router;
}
