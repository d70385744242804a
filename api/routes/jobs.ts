// /v1/jobs: submit, read, list, cancel and terminate jobs; retry an array job's failed children.
import { Router } from 'express';
import { NotFoundError } from '../errors.ts';
import type { JobService } from '../job-service.ts';
import { allowJsonBody, requireJsonBody } from '../json-body.ts';
import { JobSpecSchema } from '../schemas/job-spec.ts';
import {
  CancelJobRequestSchema,
  DEFAULT_CANCEL_REASON,
  DEFAULT_TERMINATE_REASON,
  ListJobsQuerySchema,
  TerminateJobRequestSchema,
} from '../schemas/requests.ts';
import { parseOrThrow } from '../validate.ts';

/** The Idempotency-Key header fills spec.idempotencyKey when the body has none. */
function withIdempotencyKey(body: unknown, header: string | undefined): unknown {
  if (header === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return 'idempotencyKey' in body ? body : { ...body, idempotencyKey: header };
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`no job with id "${id}"`);
}

export function jobsRouter(jobs: JobService): Router {
  const router = Router();

  router.post('/', requireJsonBody, async (req, res) => {
    const spec = parseOrThrow(
      JobSpecSchema,
      withIdempotencyKey(req.body, req.get('idempotency-key')),
      'body',
    );
    const { job, created } = await jobs.submit(spec);
    res
      .status(created ? 201 : 200)
      .location(`${req.baseUrl}/${encodeURIComponent(job.id)}`)
      .json(job);
  });

  router.get('/', async (req, res) => {
    const query = parseOrThrow(ListJobsQuerySchema, req.query, 'query');
    res.json(await jobs.list(query));
  });

  router.get('/:id', async (req, res) => {
    const job = await jobs.get(req.params.id);
    if (!job) throw notFound(req.params.id);
    res.json(job);
  });

  router.post('/:id/cancel', allowJsonBody, async (req, res) => {
    const { id } = req.params as { id: string };
    const { reason } = parseOrThrow(CancelJobRequestSchema, req.body ?? {}, 'body');
    const job = await jobs.cancel(id, reason ?? DEFAULT_CANCEL_REASON);
    if (!job) throw notFound(id);
    res.json(job);
  });

  router.post('/:id/terminate', allowJsonBody, async (req, res) => {
    const { id } = req.params as { id: string };
    const { reason } = parseOrThrow(TerminateJobRequestSchema, req.body ?? {}, 'body');
    const job = await jobs.terminate(id, reason ?? DEFAULT_TERMINATE_REASON);
    if (!job) throw notFound(id);
    res.json(job);
  });

  router.post('/:id/retry-failed', allowJsonBody, async (req, res) => {
    const { id } = req.params as { id: string };
    const job = await jobs.retryFailed(id);
    if (!job) throw notFound(id);
    res.json(job);
  });

  return router;
}
