// /v1/queues: the job queues, and with a queue catalog their settings, creation and changes at run time.
import { type Response, Router } from 'express';
import { normalizeQueue } from '../../scheduler/config.ts';
import { scorerNames } from '../../scheduler/core/index.ts';
import type { ComputeEnvironmentCatalog } from '../compute-environment-catalog.ts';
import { ApiError, ConflictError, NotFoundError } from '../errors.ts';
import type { JobService } from '../job-service.ts';
import type { QueueCatalog, QueuePatch, QueueView } from '../queue-catalog.ts';
import {
  CONFIGURED_ONLY_TYPES,
  ComputeEnvironmentCreateSchema,
  ComputeEnvironmentPatchSchema,
} from '../schemas/compute-environment.ts';
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
    const queue = withEnvironmentOrder(parseOrThrow(QueueCreateSchema, req.body, 'body'), req.body);
    knownEnvironments(catalog, queue.computeEnvironments ?? []);
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
    const patch = orderPatch(parseOrThrow(QueuePatchSchema, req.body, 'body'));
    if (patch.computeEnvironments !== undefined) knownEnvironments(catalog, patch.computeEnvironments);
    const queue = await catalog.update(req.params.name, patch);
    if (!queue) throw new NotFoundError(`no queue named "${req.params.name}"`);
    res.json(queue);
  });
  return router;
}

function knownEnvironments(catalog: QueueCatalog, names: readonly string[]): void {
  const known = catalog.computeEnvironmentNames();
  const index = names.findIndex((name) => !known.includes(name));
  if (index < 0) return;
  const message = `no compute environment named "${names[index]}"; known: ${known.join(', ')}`;
  // One environment is reported on the field of before; in a list, on its entry.
  const field = names.length === 1 ? 'computeEnvironment' : `computeEnvironments[${index}]`;
  throw new ApiError(422, 'Unprocessable request', `${field}: ${message}`, [{ field, message }]);
}

/** `computeEnvironment` and `computeEnvironments` must not disagree; the list wins and fills the other. */
function conflict(single: string, list: readonly string[]): ApiError {
  const message = `"${single}" is not the first of computeEnvironments (${list.join(', ')}); give one of the two`;
  return new ApiError(422, 'Unprocessable request', `computeEnvironment: ${message}`, [
    { field: 'computeEnvironment', message },
  ]);
}

function withEnvironmentOrder(queue: QueueView, body: { computeEnvironment?: unknown }): QueueView {
  const list = queue.computeEnvironments;
  if (list && body.computeEnvironment !== undefined && body.computeEnvironment !== list[0])
    throw conflict(queue.computeEnvironment, list);
  return normalizeQueue(queue, list !== undefined);
}

function orderPatch(patch: QueuePatch): QueuePatch {
  const list = patch.computeEnvironments;
  if (list) {
    if (patch.computeEnvironment !== undefined && patch.computeEnvironment !== list[0])
      throw conflict(patch.computeEnvironment, list);
    return { ...patch, computeEnvironment: list[0]! };
  }
  if (patch.computeEnvironment !== undefined)
    return { ...patch, computeEnvironments: [patch.computeEnvironment] };
  return patch;
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
  const create = catalog.create?.bind(catalog);
  if (create)
    router.post('/', async (req, res) => {
      const type = (req.body as { type?: unknown } | undefined)?.type;
      if (typeof type === 'string' && type in CONFIGURED_ONLY_TYPES) {
        const message = `a ${type} compute environment cannot be created while the service runs: ${CONFIGURED_ONLY_TYPES[type]}; add it to GPUBATCH_CONFIG (computeEnvironments) and restart. Only type simulated is created here`;
        throw new ApiError(422, 'Unprocessable request', `type: ${message}`, [{ field: 'type', message }]);
      }
      const definition = parseOrThrow(ComputeEnvironmentCreateSchema, req.body, 'body');
      if (!scorerNames().includes(definition.scorer)) {
        const message = `unknown scorer "${definition.scorer}"; known: ${scorerNames().join(', ')}`;
        throw new ApiError(422, 'Unprocessable request', `scorer: ${message}`, [
          { field: 'scorer', message },
        ]);
      }
      if (!(await create(definition)))
        throw new ConflictError(`a compute environment named "${definition.name}" exists already`);
      res
        .status(201)
        .location(`/v1/compute-environments/${encodeURIComponent(definition.name)}`)
        .json(await view(definition.name));
    });
  router.patch('/:name', async (req, res) => {
    const patch = parseOrThrow(ComputeEnvironmentPatchSchema, req.body, 'body');
    if (!(await catalog.update(req.params.name, patch)))
      throw new NotFoundError(`no compute environment named "${req.params.name}"`);
    res.json(await view(req.params.name));
  });
  return router;
}
