// Wires the HTTP API: probes and the OpenAPI document open; /v1 and /metrics behind bearer tokens with
// roles (api/auth.ts, api/access-rules.ts); the AWS-compatible paths behind SigV4; problem+json errors.
import express, { type Express } from 'express';
import type { JobEventFeed } from '../scheduler/store/job-events.ts';
import type { ApiTokenRegistry } from './api-tokens.ts';
import { authenticate, authorize, principalOfRequest } from './auth.ts';
import type { AccessKeyRegistry, AwsComputeEnvironmentInfo } from './aws/context.ts';
import { awsBatchRouter } from './aws/router.ts';
import type { ComputeEnvironmentCatalog } from './compute-environment-catalog.ts';
import { docsRouter } from './docs.ts';
import { type HardeningOptions, hardeningMiddleware } from './hardening/hardening.ts';
import type { JobDefinitionRegistry } from './job-definitions/registry.ts';
import type { JobLogs } from './job-logs.ts';
import type { JobService } from './job-service.ts';
import { parseJsonBodies } from './json-body.ts';
import { type MetricsEndpoint, metricsHandler, poolMetrics } from './metrics.ts';
import { openApiDocument } from './openapi.ts';
import { problemHandler, unknownRoute } from './problem.ts';
import { QUEUE_BOARD_PATH, type QueueBoardFactory, queueBoardRouter } from './queue-board-route.ts';
import { type QueueCatalog, readOnlyQueueCatalog } from './queue-catalog.ts';
import { accessKeysRouter } from './routes/access-keys.ts';
import { apiTokensRouter } from './routes/api-tokens.ts';
import { type BudgetUsageSource, budgetsRouter } from './routes/budgets.ts';
import { definitionSubmissionsRouter } from './routes/definition-submissions.ts';
import { eventsRouter } from './routes/events.ts';
import { healthRouter } from './routes/health.ts';
import { jobDefinitionsRouter } from './routes/job-definitions.ts';
import { jobsRouter } from './routes/jobs.ts';
import { computeEnvironmentsRouter, queuesRouter } from './routes/queues.ts';
import { tenantsRouter } from './routes/tenants.ts';
import { uiRouter } from './routes/ui.ts';
import type { TenantRegistry } from './tenant-registry.ts';

export interface AppOptions {
  jobs: JobService;
  /** Attempt logs (GET /v1/jobs/:id/logs); without it the route answers 501. */
  logs?: JobLogs;
  /** Job status changes (GET /v1/events, GET /v1/jobs/:id/events as SSE); without it those routes do not exist. */
  events?: JobEventFeed;
  /** Job definitions; without it /v1/job-definitions does not exist and jobDefinition is an unknown field. */
  definitions?: JobDefinitionRegistry;
  /** GPU-hour budget usage; without it /v1/budgets does not exist (no budgets configured). */
  budgets?: BudgetUsageSource;
  /** Job queues managed at run time (POST/PATCH /v1/queues, the AWS queue operations); names only without it. */
  queueCatalog?: QueueCatalog;
  /** Compute environments' run-time settings (GET/PATCH /v1/compute-environments/:name); list only without it. */
  computeEnvironmentCatalog?: ComputeEnvironmentCatalog;
  /** Largest accepted JSON body, in body-parser's notation. Default '1mb'. */
  bodyLimit?: string;
  /** Required: there is no unauthenticated mode. */
  auth: AuthOptions;
  /**
   * The AWS-Batch-compatible endpoint (POST /v1/submitjob, ...; docs/aws-batch.md) and
   * POST /v1/admin/access-keys; needs `definitions`. Without it neither exists.
   */
  aws?: {
    accessKeys: AccessKeyRegistry;
    computeEnvironments: AwsComputeEnvironmentInfo[];
    now?: () => number;
  };
  /** The BullMQ queue board at /admin/queues, for the admin role (scheduler/queue-board.ts); absent without it. */
  queueBoard?: QueueBoardFactory;
  /** What GET /metrics serves (the service's registry); default: the pool gauges alone. */
  metrics?: MetricsEndpoint;
  /** Where unexpected (500) errors are reported; their details never reach the client. Default console.error. */
  logError?: (error: unknown) => void;
  /** Rate limit, CORS origins, JSON depth; security headers are always on (api/hardening/). */
  hardening?: HardeningOptions;
  /** Tenants' settings (/v1/admin/tenants); without it every tenant may use every queue, unlimited. */
  tenants?: TenantRegistry;
  /** Between the event streams' heartbeats, which also end a stream whose token was revoked. Default 15 s. */
  eventsHeartbeatMs?: number;
}

export interface AuthOptions {
  /** The bearer tokens every /v1 request (and /metrics) is checked against; managed at /v1/admin/tokens. */
  tokens: ApiTokenRegistry;
  /** Serve /metrics without a token (GPUBATCH_METRICS_OPEN), for a scraper that cannot send one. Default false. */
  metricsOpen?: boolean;
}

export function createApp(options: AppOptions): Express {
  if (!options.auth?.tokens)
    throw new Error('createApp: auth.tokens is required (there is no auth-off mode)');
  const app = express();
  app.disable('x-powered-by');
  const hardening = hardeningMiddleware(options.hardening);
  app.use(hardening.everyResponse);

  const document = openApiDocument({
    jobDefinitions: options.definitions !== undefined,
    accessKeys: options.aws !== undefined,
    budgets: options.budgets !== undefined,
    queueCatalog: options.queueCatalog !== undefined,
    computeEnvironmentCatalog: options.computeEnvironmentCatalog !== undefined,
    computeEnvironmentCreation: options.computeEnvironmentCatalog?.create !== undefined,
    events: options.events !== undefined,
    tenants: options.tenants !== undefined,
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use(docsRouter());
  app.use(healthRouter(options.jobs));
  const signedIn = authenticate(options.auth.tokens);
  const metrics = metricsHandler(options.metrics ?? poolMetrics(options.jobs));
  if (options.auth.metricsOpen) app.get('/metrics', metrics);
  else app.get('/metrics', signedIn, metrics);

  const logError = options.logError ?? ((error: unknown) => console.error(error));
  if (options.aws) {
    if (!options.definitions) throw new Error('createApp: the AWS-compatible endpoint needs definitions');
    // Before the native /v1 router: these requests are SigV4-signed, not bearer-authenticated.
    const services = {
      ...options.aws,
      queues:
        options.queueCatalog ?? readOnlyQueueCatalog(options.aws.computeEnvironments.map((ce) => ce.name)),
      jobs: options.jobs,
      computeEnvironmentCatalog: options.computeEnvironmentCatalog,
      definitions: options.definitions,
      now: options.aws.now ?? Date.now,
    };
    app.use(
      '/v1',
      awsBatchRouter(services, {
        bodyLimit: options.bodyLimit ?? '1mb',
        logError,
        maxJsonDepth: hardening.maxJsonDepth,
        afterAuthentication: [hardening.awsRateLimit],
      }),
    );
  }

  const v1 = express.Router();
  // Authenticate before parsing, so anonymous clients cannot make the server read large bodies.
  v1.use(signedIn, authorize);
  // After authentication: the limit is per principal.
  v1.use(hardening.rateLimit);
  v1.use(parseJsonBodies(options.bodyLimit ?? '1mb', hardening.maxJsonDepth));
  if (options.events) {
    const { tokens } = options.auth;
    v1.use(
      eventsRouter(options.jobs, options.events, {
        ...(options.eventsHeartbeatMs ? { heartbeatMs: options.eventsHeartbeatMs } : {}),
        stillSignedIn: async (req) => (await principalOfRequest(tokens, req)) !== undefined,
      }),
    );
  }
  if (options.definitions) {
    // A submission naming a jobDefinition is handled first; any other body goes on to jobsRouter.
    v1.use('/jobs', definitionSubmissionsRouter(options.jobs, options.definitions));
    v1.use('/job-definitions', jobDefinitionsRouter(options.definitions));
  }
  v1.use('/jobs', jobsRouter(options.jobs, options.logs));
  v1.use('/queues', queuesRouter(options.jobs, options.queueCatalog));
  if (options.budgets !== undefined) v1.use('/budgets', budgetsRouter(options.budgets));
  v1.use('/compute-environments', computeEnvironmentsRouter(options.jobs, options.computeEnvironmentCatalog));
  v1.use('/admin/tokens', apiTokensRouter(options.auth.tokens));
  if (options.aws) v1.use('/admin/access-keys', accessKeysRouter(options.aws.accessKeys));
  if (options.tenants) v1.use('/admin/tenants', tenantsRouter(options.tenants, options.jobs));
  app.use('/v1', v1);
  // The dashboard's files are open (they hold no data); the page sends the token on its /v1 requests.
  app.use('/ui', uiRouter());
  if (options.queueBoard) {
    // Outside /v1, so it gets authentication here; the board itself asks for the admin role.
    app.use(QUEUE_BOARD_PATH, signedIn);
    app.use(queueBoardRouter(options.queueBoard));
  }

  app.use(unknownRoute());
  app.use(problemHandler(logError));
  return app;
}
