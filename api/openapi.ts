// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests.
import { z } from 'zod';
import { tagOperations, tagsUsedBy } from './openapi-tags.ts';
import {
  AccessKeyRevokedSchema,
  AccessKeySchema,
  CreateAccessKeyRequestSchema,
} from './schemas/access-key.ts';
import {
  ApiTokenListSchema,
  ApiTokenRecordSchema,
  CreateApiTokenRequestSchema,
  CreatedApiTokenSchema,
} from './schemas/api-token.ts';
import { BudgetListSchema } from './schemas/budgets.ts';
import {
  ComputeEnvironmentCreateSchema,
  ComputeEnvironmentPatchSchema,
} from './schemas/compute-environment.ts';
import {
  DefinitionSubmissionSchema,
  JobDefinitionPageSchema,
  JobDefinitionRecordSchema,
  JobDefinitionSchema,
  ListJobDefinitionsQuerySchema,
} from './schemas/job-definition.ts';
import { JobRecordSchema } from './schemas/job-record.ts';
import { JobSpecSchema } from './schemas/job-spec.ts';
import { QueueCreateSchema, QueuePatchSchema } from './schemas/queue.ts';
import {
  CancelJobRequestSchema,
  JobLogsQuerySchema,
  ListJobsQuerySchema,
  TerminateJobRequestSchema,
} from './schemas/requests.ts';
import {
  ComputeEnvironmentListSchema,
  ComputeEnvironmentSchema,
  HealthSchema,
  JobPageSchema,
  ProblemSchema,
  QueueListSchema,
  ReadySchema,
} from './schemas/responses.ts';
import { TenantListSchema, TenantSchema, TenantSettingsSchema } from './schemas/tenant.ts';

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

function queryParameters(schema: z.ZodType = ListJobsQuerySchema): JsonSchema[] {
  const properties = z.toJSONSchema(schema, { io: 'input' }).properties ?? {};
  // The field's .describe() text documents the parameter itself (what docs renderers show next to its name).
  return Object.entries(properties).map(([name, schema]) => {
    const { description, ...rest } = schema as JsonSchema;
    return { name, in: 'query', required: false, ...(description ? { description } : {}), schema: rest };
  });
}

const PROBLEM = 'application/problem+json';

function problemResponses(...statuses: number[]): Record<string, JsonSchema> {
  const descriptions: Record<number, string> = {
    400: 'Invalid request; `errors` names each field.',
    401: 'Missing, unknown or revoked bearer token (WWW-Authenticate: Bearer).',
    403: "The token's role is below what the route needs, or not allowed to its tenant: a queue it may not use, another tenant's listing.",
    404: "No such job (or job definition); another tenant's job answers the same.",
    409: 'The job is already finished.',
    413: 'Body over the size limit.',
    415: 'Body is not application/json.',
    422: 'Valid spec the system cannot run (unknown queue, never fits, INACTIVE job definition, ...).',
    429: 'The submission would take the tenant over its maxQueuedJobs; `errors` names maxQueuedJobs.',
    501: 'Not offered by this compute environment.',
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

const jobId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The job id.',
  schema: { type: 'string' },
};
const location = { Location: { description: 'The job URL.', schema: { type: 'string' } } };

export interface OpenApiOptions {
  /** Whether the job definition routes exist (createApp got a registry). Default true. */
  jobDefinitions?: boolean;
  /** Whether GET /v1/budgets exists (budgets are configured). Default false. */
  budgets?: boolean;
  /** Whether queues can be managed (POST /v1/queues, GET and PATCH /v1/queues/{name}). Default false. */
  queueCatalog?: boolean;
  /** Whether GET and PATCH /v1/compute-environments/{name} exist. Default false. */
  computeEnvironmentCatalog?: boolean;
  /** Whether POST /v1/compute-environments exists (simulated ones may be created). Default false. */
  computeEnvironmentCreation?: boolean;
  /** Whether GET /v1/events and GET /v1/jobs/{id}/events (SSE) exist. Default false. */
  events?: boolean;
  /** Whether POST /v1/admin/access-keys exists (the AWS-compatible endpoint is on). Default false. */
  accessKeys?: boolean;
  /** Whether /v1/admin/tenants exists (tenants' settings are wired). Default false. */
  tenants?: boolean;
}

const definitionName = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'The job definition name.',
  schema: { type: 'string' },
};
const definitionRevision = {
  name: 'revision',
  in: 'path',
  required: true,
  description: 'The revision number, from 1.',
  schema: { type: 'integer', minimum: 1 },
};
const queueName = { ...definitionName, description: 'The job queue name.' };
const computeEnvironmentName = { ...definitionName, description: 'The compute environment name.' };

const lastEventId = {
  name: 'Last-Event-ID',
  in: 'header',
  required: false,
  description: 'Resume after this event id (the `id:` of the last event received); replays the missed ones.',
  schema: { type: 'string', pattern: '^\\d+-\\d+$' },
};
const eventStream = {
  description:
    'text/event-stream: `event: status` with data {jobId, queue, tenant, status, reason, at} and the stream id as `id:`; ' +
    '`event: progress` with data {jobId, queue, tenant, done, total, at} (coalesced); ' +
    '`event: missed` when older events were trimmed; `: ping` every 15 s; ' +
    '`event: revoked`, then the end of the stream, once the token used has been revoked.',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

/** GET /v1/events and GET /v1/jobs/{id}/events: status changes as Server-Sent Events (docs/api.md, Events). */
function eventPaths(secured: JsonSchema, auth: number[]): JsonSchema {
  const since = {
    name: 'since',
    in: 'query',
    required: false,
    description: 'Like Last-Event-ID.',
    schema: { type: 'string' },
  };
  return {
    '/v1/events': {
      get: {
        operationId: 'streamEvents',
        summary:
          "Every job status change of the caller's tenant (an admin: every tenant's) as Server-Sent Events, optionally for one queue or job",
        ...secured,
        parameters: [
          {
            name: 'queue',
            in: 'query',
            required: false,
            description: 'Only events of this queue.',
            schema: { type: 'string' },
          },
          {
            name: 'jobId',
            in: 'query',
            required: false,
            description: 'Only events of this job.',
            schema: { type: 'string' },
          },
          {
            name: 'tenant',
            in: 'query',
            required: false,
            description: "Admins: only this tenant's jobs. Anyone else: only its own (another is a 403).",
            schema: { type: 'string' },
          },
          since,
          lastEventId,
        ],
        responses: { '200': eventStream, ...problemResponses(400, ...auth, 403) },
      },
    },
    '/v1/jobs/{id}/events': {
      get: {
        operationId: 'streamJobEvents',
        summary: "One job's status changes as Server-Sent Events: its history first, then live",
        ...secured,
        parameters: [jobId, since, lastEventId],
        responses: { '200': eventStream, ...problemResponses(400, ...auth, 404) },
      },
    },
  };
}

/** /v1/admin/tenants: each tenant's allowed queues and maxQueuedJobs (admins only; docs/api.md, Tenancy). */
function tenantPaths(secured: JsonSchema, auth: number[]): JsonSchema {
  const name = {
    name: 'name',
    in: 'path',
    required: true,
    description: 'The tenant name, as API tokens and access keys name it.',
    schema: { type: 'string' },
  };
  return {
    '/v1/admin/tenants': {
      get: {
        operationId: 'listTenants',
        summary: 'Every tenant with settings or jobs, with its jobs queued now (admins only)',
        ...secured,
        responses: { '200': json('The tenants.', 'TenantList'), ...problemResponses(...auth, 403) },
      },
    },
    '/v1/admin/tenants/{name}': {
      get: {
        operationId: 'getTenant',
        summary: "A tenant's settings (the defaults if never set) and its jobs queued now (admins only)",
        ...secured,
        parameters: [name],
        responses: { '200': json('The tenant.', 'Tenant'), ...problemResponses(400, ...auth, 403) },
      },
      put: {
        operationId: 'putTenant',
        summary: "Replace a tenant's settings: allowed queues, maxQueuedJobs (admins only)",
        ...secured,
        parameters: [name],
        requestBody: { required: true, content: { 'application/json': { schema: ref('TenantSettings') } } },
        responses: {
          '200': json('The tenant as set.', 'Tenant'),
          ...problemResponses(400, ...auth, 403, 415, 422),
        },
      },
    },
  };
}

/** /v1/job-definitions: AWS Batch's RegisterJobDefinition, DescribeJobDefinitions, DeregisterJobDefinition. */
function jobDefinitionPaths(secured: JsonSchema, auth: number[]): JsonSchema {
  const located = { Location: { description: 'The revision URL.', schema: { type: 'string' } } };
  return {
    '/v1/job-definitions': {
      post: {
        operationId: 'registerJobDefinition',
        summary: 'Register a job definition: the next revision of its name (1 for a new name), ACTIVE',
        ...secured,
        requestBody: { required: true, content: { 'application/json': { schema: ref('JobDefinition') } } },
        responses: {
          '201': json('The registered revision.', 'JobDefinitionRecord', located),
          ...problemResponses(400, ...auth, 413, 415),
        },
      },
      get: {
        operationId: 'listJobDefinitions',
        summary: 'List job definition revisions, newest registration first, a page at a time',
        ...secured,
        parameters: queryParameters(ListJobDefinitionsQuerySchema),
        responses: {
          '200': json('A page of revisions.', 'JobDefinitionPage'),
          ...problemResponses(400, ...auth),
        },
      },
    },
    '/v1/job-definitions/{name}': {
      get: {
        operationId: 'describeJobDefinition',
        summary: 'Every revision of a name, newest first',
        ...secured,
        parameters: [
          definitionName,
          ...queryParameters(ListJobDefinitionsQuerySchema).filter((p) => p['name'] !== 'name'),
        ],
        responses: {
          '200': json('A page of revisions.', 'JobDefinitionPage'),
          ...problemResponses(400, ...auth, 404),
        },
      },
    },
    '/v1/job-definitions/{name}/{revision}': {
      get: {
        operationId: 'getJobDefinition',
        summary: 'One revision, ACTIVE or INACTIVE',
        ...secured,
        parameters: [definitionName, definitionRevision],
        responses: {
          '200': json('The revision.', 'JobDefinitionRecord'),
          ...problemResponses(400, ...auth, 404),
        },
      },
      delete: {
        operationId: 'deregisterJobDefinition',
        summary: 'Deregister a revision: INACTIVE, still describable, takes no new jobs',
        ...secured,
        parameters: [definitionName, definitionRevision],
        responses: {
          '200': json('The revision, INACTIVE.', 'JobDefinitionRecord'),
          ...problemResponses(400, ...auth, 404),
        },
      },
    },
  };
}

/** The document with every optional route on: what `npm run lint:openapi` checks and the fuzz test sends to. */
export function fullOpenApiDocument(): JsonSchema {
  return openApiDocument({
    jobDefinitions: true,
    budgets: true,
    queueCatalog: true,
    computeEnvironmentCatalog: true,
    computeEnvironmentCreation: true,
    events: true,
    accessKeys: true,
    tenants: true,
  });
}

export function openApiDocument(options: OpenApiOptions): JsonSchema {
  // Every /v1 route needs a bearer token (api/auth.ts); a role below the route's (api/access-rules.ts) is 403.
  const secured = { security: [{ bearer: [] }] };
  // The routes that need none say so explicitly (an empty requirement).
  const open = { security: [] };
  const auth = [401, 403];
  const definitions = options.jobDefinitions ?? true;
  const submitBody = definitions
    ? { oneOf: [ref('JobSpec'), ref('JobDefinitionSubmission')] }
    : ref('JobSpec');
  // No jsonSchemaDialect: the OAS 3.1 default (draft 2020-12 plus OpenAPI's keywords) covers the schemas
  // zod writes, and Swagger UI (/docs) refuses any other value.
  const document = {
    openapi: '3.1.0',
    info: { title: 'gpubatch', version: '1', description: 'GPU batch job scheduler API.' },
    servers: [{ url: '/', description: 'The server that serves this document.' }],
    paths: tagOperations({
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
          requestBody: { required: true, content: { 'application/json': { schema: submitBody } } },
          responses: {
            '201': json('Created.', 'JobRecord', location),
            '200': json('The idempotency key matched an existing job.', 'JobRecord', location),
            ...problemResponses(400, ...auth, 403, 413, 415, 422, 429),
          },
        },
        get: {
          operationId: 'listJobs',
          summary:
            "List the caller's tenant's jobs (an admin: every tenant's), newest first, filtered, a page at a time (stable cursor)",
          ...secured,
          parameters: queryParameters(),
          responses: { '200': json('A page of jobs.', 'JobPage'), ...problemResponses(400, ...auth, 403) },
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
      '/v1/jobs/{id}/logs': {
        get: {
          operationId: 'getJobLogs',
          summary:
            "An attempt's log (Kubernetes: its pod's), streamed with follow=true until the attempt ends",
          ...secured,
          parameters: [jobId, ...queryParameters(JobLogsQuerySchema)],
          responses: {
            '200': {
              description: 'The log, as text.',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            ...problemResponses(400, ...auth, 404, 501),
          },
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
      ...(definitions ? jobDefinitionPaths(secured, auth) : {}),
      '/v1/jobs/{id}/retry-failed': {
        post: {
          operationId: 'retryFailedChildren',
          summary:
            'Run the FAILED children of a finished array job again (the parent is PENDING until they finish)',
          ...secured,
          parameters: [jobId],
          responses: {
            '200': json('The array parent, PENDING again.', 'JobRecord'),
            ...problemResponses(...auth, 404, 409),
          },
        },
      },
      '/v1/queues': {
        get: {
          operationId: 'listQueues',
          summary: 'Names of the job queues (a non-admin: those its tenant may use)',
          ...secured,
          responses: {
            '200': json('Queue names, and with run-time queues each queue in `jobQueues`.', 'QueueList'),
            ...problemResponses(...auth),
          },
        },
        ...(options.queueCatalog
          ? {
              post: {
                operationId: 'createQueue',
                summary: 'Create a job queue; the scheduler starts serving it within a second',
                ...secured,
                requestBody: {
                  required: true,
                  content: { 'application/json': { schema: ref('QueueCreate') } },
                },
                responses: {
                  '201': json('The queue, defaults filled in.', 'Queue'),
                  ...problemResponses(400, ...auth, 409, 415, 422),
                },
              },
            }
          : {}),
      },
      ...(options.queueCatalog
        ? {
            '/v1/queues/{name}': {
              get: {
                operationId: 'getQueue',
                summary: 'A job queue with its settings',
                ...secured,
                parameters: [queueName],
                responses: { '200': json('The queue.', 'Queue'), ...problemResponses(...auth, 404) },
              },
              patch: {
                operationId: 'updateQueue',
                summary: 'Change a job queue (priority, state, limits); null removes a limit',
                ...secured,
                parameters: [queueName],
                requestBody: {
                  required: true,
                  content: { 'application/json': { schema: ref('QueuePatch') } },
                },
                responses: {
                  '200': json('The queue as changed.', 'Queue'),
                  ...problemResponses(400, ...auth, 404, 415, 422),
                },
              },
            },
          }
        : {}),
      ...(options.events ? eventPaths(secured, auth) : {}),
      ...(options.budgets
        ? {
            '/v1/budgets': {
              get: {
                operationId: 'listBudgets',
                summary: 'GPU-hour budget usage per shareIdentifier in its rolling window',
                ...secured,
                responses: {
                  '200': json('Budget usage per share.', 'BudgetList'),
                  ...problemResponses(...auth),
                },
              },
            },
          }
        : {}),
      '/v1/compute-environments': {
        get: {
          operationId: 'listComputeEnvironments',
          summary: "Compute environments with the leader's node counts and autoscaling signal (nodesWanted)",
          ...secured,
          responses: {
            '200': json('Compute environments.', 'ComputeEnvironmentList'),
            ...problemResponses(...auth),
          },
        },
        ...(options.computeEnvironmentCreation
          ? {
              post: {
                operationId: 'createComputeEnvironment',
                summary:
                  'Create a simulated compute environment (declared nodes, jobs only take time); other types are configuration (422 naming type)',
                ...secured,
                requestBody: {
                  required: true,
                  content: { 'application/json': { schema: ref('ComputeEnvironmentCreate') } },
                },
                responses: {
                  '201': json('The compute environment created.', 'ComputeEnvironment'),
                  ...problemResponses(400, ...auth, 409, 415, 422),
                },
              },
            }
          : {}),
      },
      ...(options.computeEnvironmentCatalog
        ? {
            '/v1/compute-environments/{name}': {
              get: {
                operationId: 'getComputeEnvironment',
                summary: "A compute environment with its run-time settings and the leader's numbers",
                ...secured,
                parameters: [computeEnvironmentName],
                responses: {
                  '200': json('The compute environment.', 'ComputeEnvironment'),
                  ...problemResponses(...auth, 404),
                },
              },
              patch: {
                operationId: 'updateComputeEnvironment',
                summary:
                  'Change its state, maxNodes or minNodes (null removes one); the rest is configuration',
                ...secured,
                parameters: [computeEnvironmentName],
                requestBody: {
                  required: true,
                  content: { 'application/json': { schema: ref('ComputeEnvironmentPatch') } },
                },
                responses: {
                  '200': json('The compute environment as changed.', 'ComputeEnvironment'),
                  ...problemResponses(400, ...auth, 404, 415),
                },
              },
            },
          }
        : {}),
      '/v1/admin/tokens': {
        post: {
          operationId: 'createApiToken',
          summary: 'Create a bearer API token (admin)',
          ...secured,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('CreateApiTokenRequest') } },
          },
          responses: {
            '201': json(
              'The token; it is never returned again (only its SHA-256 is stored).',
              'CreatedApiToken',
            ),
            ...problemResponses(400, ...auth, 415),
          },
        },
        get: {
          operationId: 'listApiTokens',
          summary: 'List API tokens, revoked ones too, without secrets (admin)',
          ...secured,
          responses: { '200': json('The tokens.', 'ApiTokenList'), ...problemResponses(...auth) },
        },
      },
      '/v1/admin/tokens/{id}': {
        delete: {
          operationId: 'revokeApiToken',
          summary: 'Revoke an API token at once (admin)',
          ...secured,
          parameters: [
            {
              name: 'id',
              in: 'path',
              required: true,
              description: "The token's id (the part after gpb_ and before the secret; never the token).",
              schema: { type: 'string' },
            },
          ],
          responses: {
            '200': json('The revoked token.', 'ApiTokenRecord'),
            ...problemResponses(...auth, 404),
          },
        },
      },
      ...(options.accessKeys
        ? {
            '/v1/admin/access-keys': {
              post: {
                operationId: 'createAccessKey',
                summary: 'Create an access key for the AWS-Batch-compatible endpoint (docs/aws-batch.md)',
                ...secured,
                requestBody: {
                  required: true,
                  content: { 'application/json': { schema: ref('CreateAccessKeyRequest') } },
                },
                responses: {
                  '201': json('The key; its secret is never returned again.', 'AccessKey'),
                  ...problemResponses(400, ...auth, 415),
                },
              },
            },
            '/v1/admin/access-keys/{id}': {
              delete: {
                operationId: 'deleteAccessKey',
                summary: 'Revoke an access key at once',
                ...secured,
                parameters: [
                  {
                    name: 'id',
                    in: 'path',
                    required: true,
                    description: 'The access key id (AWS_ACCESS_KEY_ID).',
                    schema: { type: 'string' },
                  },
                ],
                responses: {
                  '200': json('Revoked.', 'AccessKeyRevoked'),
                  ...problemResponses(...auth, 404),
                },
              },
            },
          }
        : {}),
      ...(options.tenants ? tenantPaths(secured, auth) : {}),
      '/healthz': {
        get: {
          operationId: 'health',
          ...open,
          summary: 'The process answers',
          responses: { '200': json('Alive.', 'Health') },
        },
      },
      '/readyz': {
        get: {
          operationId: 'ready',
          ...open,
          summary: 'The service can take work',
          responses: { '200': json('Ready.', 'Ready'), ...problemResponses(503) },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          ...open,
          summary: 'Prometheus metrics: jobs, scheduling, GPUs, fair share, runners (docs/metrics.md)',
          description: 'Needs a token of any role unless the server runs with GPUBATCH_METRICS_OPEN=true.',
          ...secured,
          responses: {
            '200': {
              description: 'Prometheus text format 0.0.4.',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            ...problemResponses(401),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApi',
          ...open,
          summary: 'This document',
          responses: {
            '200': {
              description: 'OpenAPI 3.1 document.',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
    }),
    components: {
      schemas: {
        ...componentSchemas('input', {
          JobSpec: JobSpecSchema,
          CancelJobRequest: CancelJobRequestSchema,
          TerminateJobRequest: TerminateJobRequestSchema,
          CreateApiTokenRequest: CreateApiTokenRequestSchema,
          ...(options.accessKeys ? { CreateAccessKeyRequest: CreateAccessKeyRequestSchema } : {}),
          ...(options.tenants ? { TenantSettings: TenantSettingsSchema } : {}),
          ...(options.queueCatalog ? { QueueCreate: QueueCreateSchema, QueuePatch: QueuePatchSchema } : {}),
          ...(options.computeEnvironmentCatalog
            ? { ComputeEnvironmentPatch: ComputeEnvironmentPatchSchema }
            : {}),
          ...(options.computeEnvironmentCreation
            ? { ComputeEnvironmentCreate: ComputeEnvironmentCreateSchema }
            : {}),
          ...(definitions
            ? { JobDefinition: JobDefinitionSchema, JobDefinitionSubmission: DefinitionSubmissionSchema }
            : {}),
        }),
        ...componentSchemas('output', {
          JobRecord: JobRecordSchema,
          JobPage: JobPageSchema,
          QueueList: QueueListSchema,
          ...(options.queueCatalog ? { Queue: QueueCreateSchema } : {}),
          ...(options.budgets ? { BudgetList: BudgetListSchema } : {}),
          ComputeEnvironmentList: ComputeEnvironmentListSchema,
          ...(options.computeEnvironmentCatalog ? { ComputeEnvironment: ComputeEnvironmentSchema } : {}),
          Health: HealthSchema,
          Ready: ReadySchema,
          Problem: ProblemSchema,
          ApiTokenRecord: ApiTokenRecordSchema,
          CreatedApiToken: CreatedApiTokenSchema,
          ApiTokenList: ApiTokenListSchema,
          ...(options.accessKeys
            ? { AccessKey: AccessKeySchema, AccessKeyRevoked: AccessKeyRevokedSchema }
            : {}),
          ...(options.tenants ? { Tenant: TenantSchema, TenantList: TenantListSchema } : {}),
          ...(definitions
            ? { JobDefinitionRecord: JobDefinitionRecordSchema, JobDefinitionPage: JobDefinitionPageSchema }
            : {}),
        }),
      },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
  return { ...document, paths: withRateLimitAnswers(document.paths), tags: tagsUsedBy(document.paths) };
}

const RATE_LIMITED =
  'The caller (its token, else its address) is over its request rate: retry after `Retry-After` seconds.';

/** Every /v1 operation may answer 429 once its caller is over the rate limit (api/hardening/rate-limit.ts). */
function withRateLimitAnswers<T extends Record<string, Record<string, JsonSchema>>>(paths: T): T {
  const retryAfter = {
    'Retry-After': { description: 'Seconds until the caller may send again.', schema: { type: 'integer' } },
  };
  for (const [path, item] of Object.entries(paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const operation of Object.values(item)) {
      const responses = operation['responses'] as Record<string, JsonSchema> | undefined;
      if (!responses) continue;
      const existing = responses['429'] as { description?: string } | undefined;
      responses['429'] = {
        description: existing?.description ? `${existing.description} Or: ${RATE_LIMITED}` : RATE_LIMITED,
        headers: retryAfter,
        content: { [PROBLEM]: { schema: ref('Problem') } },
      };
    }
  }
  return paths;
}
