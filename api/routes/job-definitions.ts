// /v1/job-definitions: register (each registration of a name is its next revision), list, describe, deregister.
import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../errors.ts';
import type { JobDefinitionRegistry } from '../job-definitions/registry.ts';
import { requireJsonBody } from '../json-body.ts';
import {
  JobDefinitionNameSchema,
  JobDefinitionSchema,
  ListJobDefinitionsQuerySchema,
} from '../schemas/job-definition.ts';
import { parseOrThrow } from '../validate.ts';

const RevisionParamsSchema = z.object({
  name: JobDefinitionNameSchema,
  revision: z.coerce.number().int().min(1).describe('A revision number, 1 or more.'),
});

function notFound(name: string, revision: number): NotFoundError {
  return new NotFoundError(`no job definition ${name}:${revision}`);
}

export function jobDefinitionsRouter(definitions: JobDefinitionRegistry): Router {
  const router = Router();

  router.post('/', requireJsonBody, async (req, res) => {
    const definition = parseOrThrow(JobDefinitionSchema, req.body, 'body');
    const record = await definitions.register(definition);
    res
      .status(201)
      .location(`${req.baseUrl}/${encodeURIComponent(record.name)}/${record.revision}`)
      .json(record);
  });

  router.get('/', async (req, res) => {
    const query = parseOrThrow(ListJobDefinitionsQuerySchema, req.query, 'query');
    res.json(await definitions.list(query));
  });

  /** Every revision of a name, newest first (a page at a time); 404 when the name was never registered. */
  router.get('/:name', async (req, res) => {
    const { name } = req.params as { name: string };
    const query = parseOrThrow(ListJobDefinitionsQuerySchema.omit({ name: true }), req.query, 'query');
    const page = await definitions.list({ ...query, name });
    if (page.jobDefinitions.length === 0 && !query.cursor && !query.status)
      throw new NotFoundError(`no job definition named ${name}`);
    res.json(page);
  });

  router.get('/:name/:revision', async (req, res) => {
    const { name, revision } = parseOrThrow(RevisionParamsSchema, req.params, 'path');
    const record = await definitions.get(name, revision);
    if (!record) throw notFound(name, revision);
    res.json(record);
  });

  /** AWS Batch's DeregisterJobDefinition: INACTIVE, still describable; jobs already submitted run on. */
  router.delete('/:name/:revision', async (req, res) => {
    const { name, revision } = parseOrThrow(RevisionParamsSchema, req.params, 'path');
    const record = await definitions.deregister(name, revision);
    if (!record) throw notFound(name, revision);
    res.json(record);
  });

  return router;
}
