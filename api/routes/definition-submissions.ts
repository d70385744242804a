// POST /v1/jobs whose body names a jobDefinition: made into a job spec here, then submitted like any
// other (same validation, preflight and fit checks). Bodies without jobDefinition go on to routes/jobs.ts.
import { Router } from 'express';
import type { JobDefinitionRegistry } from '../job-definitions/registry.ts';
import { jobSpecFromDefinition } from '../job-definitions/resolve.ts';
import type { JobService } from '../job-service.ts';
import { DefinitionSubmissionSchema } from '../schemas/job-definition.ts';
import { callerOf, isAdmin } from '../tenancy/caller.ts';
import { parseOrThrow } from '../validate.ts';

function namesDefinition(body: unknown): body is Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'jobDefinition' in body;
}

export function definitionSubmissionsRouter(jobs: JobService, definitions: JobDefinitionRegistry): Router {
  const router = Router();

  router.post('/', async (req, res, next) => {
    if (!namesDefinition(req.body)) return next();
    const header = req.get('idempotency-key');
    const body =
      header !== undefined && !('idempotencyKey' in req.body)
        ? { ...req.body, idempotencyKey: header }
        : req.body;
    const submission = parseOrThrow(DefinitionSubmissionSchema, body, 'body');
    const { spec, jobDefinition } = await jobSpecFromDefinition(definitions, submission);
    const caller = callerOf(res);
    const { job, created } = await jobs.submit(spec, {
      jobDefinition,
      tenant: caller.tenant,
      dependsOnAnyTenant: isAdmin(caller),
    });
    res
      .status(created ? 201 : 200)
      .location(`${req.baseUrl}/${encodeURIComponent(job.id)}`)
      .json(job);
  });

  return router;
}
