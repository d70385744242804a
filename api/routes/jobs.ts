// /v1/jobs: submit, read, list, cancel and terminate jobs; retry an array job's failed children. Each
// route sees only the caller's tenant's jobs (an admin: all); another tenant's id is a plain 404.
import { Router } from 'express';
import { ApiError, NotFoundError } from '../errors.ts';
import type { JobLogs } from '../job-logs.ts';
import type { JobService } from '../job-service.ts';
import { allowJsonBody, requireJsonBody } from '../json-body.ts';
import { JobSpecSchema } from '../schemas/job-spec.ts';
import {
  CancelJobRequestSchema,
  DEFAULT_CANCEL_REASON,
  DEFAULT_TERMINATE_REASON,
  JobLogsQuerySchema,
  ListJobsQuerySchema,
  TerminateJobRequestSchema,
} from '../schemas/requests.ts';
import { callerOf, isAdmin } from '../tenancy/caller.ts';
import { jobNotFound, listingTenant, requireVisibleJob } from '../tenancy/visibility.ts';
import { parseOrThrow } from '../validate.ts';

/** The Idempotency-Key header fills spec.idempotencyKey when the body has none. */
function withIdempotencyKey(body: unknown, header: string | undefined): unknown {
  if (header === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return 'idempotencyKey' in body ? body : { ...body, idempotencyKey: header };
}

export function jobsRouter(jobs: JobService, logs?: JobLogs): Router {
  const router = Router();

  router.post('/', requireJsonBody, async (req, res) => {
    const spec = parseOrThrow(
      JobSpecSchema,
      withIdempotencyKey(req.body, req.get('idempotency-key')),
      'body',
    );
    const caller = callerOf(res);
    const { job, created } = await jobs.submit(spec, {
      tenant: caller.tenant,
      dependsOnAnyTenant: isAdmin(caller),
    });
    res
      .status(created ? 201 : 200)
      .location(`${req.baseUrl}/${encodeURIComponent(job.id)}`)
      .json(job);
  });

  router.get('/', async (req, res) => {
    const { tenant, ...query } = parseOrThrow(ListJobsQuerySchema, req.query, 'query');
    const scoped = listingTenant(callerOf(res), tenant);
    res.json(await jobs.list(scoped === undefined ? query : { ...query, tenant: scoped }));
  });

  router.get('/:id', async (req, res) => {
    res.json(await requireVisibleJob(jobs, callerOf(res), req.params.id));
  });

  // The attempt's log as plain text; with follow=true it streams until the attempt ends.
  router.get('/:id/logs', async (req, res) => {
    const { id } = req.params as { id: string };
    const query = parseOrThrow(JobLogsQuerySchema, req.query, 'query');
    const job = await requireVisibleJob(jobs, callerOf(res), id);
    if (!logs)
      throw new ApiError(
        501,
        'Not implemented',
        "this compute environment keeps no job logs (the local executor's runners write to the service output)",
      );
    const attempt = query.attempt ?? job.attempts.length;
    if (attempt === 0) throw new NotFoundError(`job "${id}" has not started an attempt yet`);
    if (attempt > job.attempts.length)
      throw new NotFoundError(`job "${id}" has ${job.attempts.length} attempt(s), not ${attempt}`);
    res.type('text/plain; charset=utf-8');
    const stop = await logs.stream(id, attempt, { follow: query.follow, tailLines: query.tailLines }, res);
    res.on('close', stop); // the client went away: stop reading from the cluster
  });

  router.post('/:id/cancel', allowJsonBody, async (req, res) => {
    const { id } = req.params as { id: string };
    const { reason } = parseOrThrow(CancelJobRequestSchema, req.body ?? {}, 'body');
    await requireVisibleJob(jobs, callerOf(res), id); // a job's tenant never changes: checked once
    const job = await jobs.cancel(id, reason ?? DEFAULT_CANCEL_REASON);
    if (!job) throw jobNotFound(id);
    res.json(job);
  });

  router.post('/:id/terminate', allowJsonBody, async (req, res) => {
    const { id } = req.params as { id: string };
    const { reason } = parseOrThrow(TerminateJobRequestSchema, req.body ?? {}, 'body');
    await requireVisibleJob(jobs, callerOf(res), id);
    const job = await jobs.terminate(id, reason ?? DEFAULT_TERMINATE_REASON);
    if (!job) throw jobNotFound(id);
    res.json(job);
  });

  router.post('/:id/retry-failed', allowJsonBody, async (req, res) => {
    const { id } = req.params as { id: string };
    await requireVisibleJob(jobs, callerOf(res), id);
    const job = await jobs.retryFailed(id);
    if (!job) throw jobNotFound(id);
    res.json(job);
  });

  return router;
}
