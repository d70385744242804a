// /v1/queues: the job queues, and with a queue catalog their settings, creation and changes at run time.
import { type Response, Router } from 'express';
import type { ComputeEnvironmentCatalog } from '../compute-environment-catalog.ts';
import { ApiError, ConflictError, NotFoundError } from '../errors.ts';
import type { JobService } from '../job-service.ts';
import type { QueueCatalog } from '../queue-catalog.ts';
import { ComputeEnvironmentPatchSchema } from '../schemas/compute-environment.ts';
import { QueueCreateSchema, QueuePatchSchema } from '../schemas/queue.ts';
import { callerOf, isAdmin } from '../tenancy/caller.ts';
import { parseOrThrow } from '../validate.ts';

/**
 * `GET /` keeps `queues` (the names, as before) and adds `jobQueues` (each with its settings) when a
 * catalog is wired; without one only the names are listed and queues cannot be managed.
 */
export function queuesRouter(jobs: JobService, catalog?: QueueCatalog): Router {
  const router = Router();
  /** The queues the caller may use: all for an admin, else those its tenant's settings list (if any). */
  const allowed = async (res: Response): Promise<(name: string) => boolean> => {
    const caller = callerOf(res);
    const names = isAdmin(caller) ? undefined : await jobs.allowedQueues?.(caller.tenant);
    return (name) => names === undefined || names.includes(name);
  };
  router.get('/', async (_req, res) => {
    const may = await allowed(res);
    if (!catalog) {
      res.json({ queues: (await jobs.queues()).filter(may) });
      return;
    }
    const jobQueues = (await catalog.list()).filter((q) => may(q.name));
    res.json({ queues: jobQueues.map((q) => q.name), jobQueues });
  });
  if (!catalog) return router;

  router.post('/', async (req, res) => {
    const queue = parseOrThrow(QueueCreateSchema, req.body, 'body');
    knownEnvironment(catalog, queue.computeEnvironment);
    if (!(await catalog.create(queue)))
      throw new ConflictError(`a queue named "${queue.name}" exists already`);
    res
      .status(201)
      .location(`/v1/queues/${encodeURIComponent(queue.name)}`)
      .json(queue);
  });
  router.get('/:name', async (req, res) => {
    const queue = (await allowed(res))(req.params.name) ? await catalog.get(req.params.name) : undefined;
    if (!queue) throw new NotFoundError(`no queue named "${req.params.name}"`);
    res.json(queue);
  });
  router.patch('/:name', async (req, res) => {
    const patch = parseOrThrow(QueuePatchSchema, req.body, 'body');
    if (patch.computeEnvironment !== undefined) knownEnvironment(catalog, patch.computeEnvironment);
    const queue = await catalog.update(req.params.name, patch);
    if (!queue) throw new NotFoundError(`no queue named "${req.params.name}"`);
    res.json(queue);
  });
  return router;
}

function knownEnvironment(catalog: QueueCatalog, name: string): void {
  const known = catalog.computeEnvironmentNames();
  if (known.includes(name)) return;
  const message = `no compute environment named "${name}"; known: ${known.join(', ')}`;
  throw new ApiError(422, 'Unprocessable request', `computeEnvironment: ${message}`, [
    { field: 'computeEnvironment', message },
  ]);
}

/**
 * /v1/compute-environments: each pool with the leader's numbers, the autoscaling signal among them; with a
 * catalog one pool by name, and PATCH of its run-time settings (state, maxNodes).
 */
export function computeEnvironmentsRouter(jobs: JobService, catalog?: ComputeEnvironmentCatalog): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.json({ computeEnvironments: await jobs.computeEnvironments() });
  });
  if (!catalog) return router;
  const view = async (name: string) => {
    const found = (await jobs.computeEnvironments()).find((ce) => ce.name === name);
    if (!found) throw new NotFoundError(`no compute environment named "${name}"`);
    return found;
  };
  router.get('/:name', async (req, res) => {
    res.json(await view(req.params.name));
  });
  router.patch('/:name', async (req, res) => {
    const patch = parseOrThrow(ComputeEnvironmentPatchSchema, req.body, 'body');
    if (!(await catalog.update(req.params.name, patch)))
      throw new NotFoundError(`no compute environment named "${req.params.name}"`);
    res.json(await view(req.params.name));
  });
  return router;
}
