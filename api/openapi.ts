// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests.
import { z } from 'zod';
import { JobRecordSchema } from './schemas/job-record.ts';
import { JobSpecSchema } from './schemas/job-spec.ts';
import {
  CancelJobRequestSchema,
  ListJobsQuerySchema,
  TerminateJobRequestSchema,
} from './schemas/requests.ts';
import {
  HealthSchema,
  JobPageSchema,
  ProblemSchema,
  QueueListSchema,
  ReadySchema,
} from './schemas/responses.ts';

type JsonSchema = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** Components keyed by id; requests use zod's input view (defaults optional), responses its output view. */
function componentSchemas(
  io: 'input' | 'output',
  schemas: Record<string, z.ZodType>,
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: generated } = z.toJSONSchema(registry, {
    io,
    target: 'draft-2020-12',
    uri: (id) => ref(id).$ref,
    // Responses may gain fields (additive changes), so clients must not reject unknown ones.
    override: ({ jsonSchema }) => {
      if (io === 'output' && jsonSchema.additionalProperties === false)
        delete jsonSchema.additionalProperties;
    },
  });
  // OpenAPI components carry neither their own $schema nor $id.
  return Object.fromEntries(
    Object.entries(generated).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema as JsonSchema]),
  );
}

function queryParameters(): JsonSchema[] {
  const properties = z.toJSONSchema(ListJobsQuerySchema, { io: 'input' }).properties ?? {};
  return Object.entries(properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
}

const PROBLEM = 'application/problem+json';

function problemResponses(...statuses: number[]): Record<string, JsonSchema> {
  const descriptions: Record<number, string> = {
    400: 'Invalid request; `errors` names each field.',
    401: 'Missing or wrong bearer token.',
    404: 'No such job.',
    409: 'The job is already finished.',
    413: 'Body over the size limit.',
    415: 'Body is not application/json.',
    422: 'Valid spec the system cannot run (unknown queue, never fits, ...).',
    503: 'Not ready.',
  };
  const responses: Record<string, JsonSchema> = {};
  for (const status of [...statuses, 500]) {
    responses[String(status)] = {
      description: descriptions[status] ?? 'Unexpected error.',
      content: { [PROBLEM]: { schema: ref('Problem') } },
    };
  }
  return responses;
}

function json(description: string, schemaId: string, headers?: JsonSchema): JsonSchema {
  return {
    description,
    content: { 'application/json': { schema: ref(schemaId) } },
    ...(headers ? { headers } : {}),
  };
}

const jobId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const location = { Location: { description: 'The job URL.', schema: { type: 'string' } } };

export interface OpenApiOptions {
  /** Whether /v1 routes need a bearer token. */
  auth: boolean;
}

export function openApiDocument(options: OpenApiOptions): JsonSchema {
  const secured = options.auth ? { security: [{ bearer: [] }] } : {};
  const auth = options.auth ? [401] : [];
  return {
    openapi: '3.1.0',
    info: { title: 'gpubatch', version: '1', description: 'GPU batch job scheduler API.' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths: {
      '/v1/jobs': {
        post: {
          operationId: 'submitJob',
          summary: 'Submit a job',
          ...secured,
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'Used as spec.idempotencyKey when the body has none.',
              schema: { type: 'string', minLength: 1, maxLength: 256 },
            },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: ref('JobSpec') } } },
          responses: {
            '201': json('Created.', 'JobRecord', location),
            '200': json('The idempotency key matched an existing job.', 'JobRecord', location),
            ...problemResponses(400, ...auth, 413, 415, 422),
          },
        },
        get: {
          operationId: 'listJobs',
          summary: 'List jobs, newest first, filtered, a page at a time (stable cursor)',
          ...secured,
          parameters: queryParameters(),
          responses: { '200': json('A page of jobs.', 'JobPage'), ...problemResponses(400, ...auth) },
        },
      },
      '/v1/jobs/{id}': {
        get: {
          operationId: 'getJob',
          summary: 'Read a job',
          ...secured,
          parameters: [jobId],
          responses: { '200': json('The job.', 'JobRecord'), ...problemResponses(...auth, 404) },
        },
      },
      '/v1/jobs/{id}/cancel': {
        post: {
          operationId: 'cancelJob',
          summary: 'Cancel a job that has not started (SUBMITTED, PENDING, RUNNABLE); 409 once it has',
          ...secured,
          parameters: [jobId],
          requestBody: {
            required: false,
            content: { 'application/json': { schema: ref('CancelJobRequest') } },
          },
          responses: {
            '200': json('The cancelled job.', 'JobRecord'),
            ...problemResponses(400, ...auth, 404, 409, 415),
          },
        },
      },
      '/v1/jobs/{id}/terminate': {
        post: {
          operationId: 'terminateJob',
          summary: 'Terminate a job that has not finished, stopping its running attempt',
          ...secured,
          parameters: [jobId],
          requestBody: {
            required: false,
            content: { 'application/json': { schema: ref('TerminateJobRequest') } },
          },
          responses: {
            '200': json('The job: FAILED, or with terminateRequested while its attempt stops.', 'JobRecord'),
            ...problemResponses(400, ...auth, 404, 409, 415),
          },
        },
      },
      '/v1/queues': {
        get: {
          operationId: 'listQueues',
          summary: 'Names of the job queues',
          ...secured,
          responses: { '200': json('Queue names.', 'QueueList'), ...problemResponses(...auth) },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'The process answers',
          responses: { '200': json('Alive.', 'Health') },
        },
      },
      '/readyz': {
        get: {
          operationId: 'ready',
          summary: 'The service can take work',
          responses: { '200': json('Ready.', 'Ready'), ...problemResponses(503) },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApi',
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.1 document.', content: { 'application/json': {} } } },
        },
      },
    },
    components: {
      schemas: {
        ...componentSchemas('input', {
          JobSpec: JobSpecSchema,
          CancelJobRequest: CancelJobRequestSchema,
          TerminateJobRequest: TerminateJobRequestSchema,
        }),
        ...componentSchemas('output', {
          JobRecord: JobRecordSchema,
          JobPage: JobPageSchema,
          QueueList: QueueListSchema,
          Health: HealthSchema,
          Ready: ReadySchema,
          Problem: ProblemSchema,
        }),
      },
      ...(options.auth ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}),
    },
  };
}
