// AWS Batch's rest-json protocol at AWS's own paths (POST /v1/submitjob, ...), on the API's port.
// Every request is SigV4-verified against the access keys (`gpubatch keys create`) before its body is read
// as JSON; failures use AWS's error shape (api/aws/errors.ts). Native routes are not touched.
import express, { type Request, type RequestHandler, Router } from 'express';
import { DEFAULT_MAX_JSON_DEPTH, jsonDepth, tooDeepMessage } from '../hardening/json-depth.ts';
import type { Principal } from '../principal.ts';
import {
  createComputeEnvironment,
  describeComputeEnvironments,
  updateComputeEnvironment,
} from './compute-environment-operations.ts';
import type { AccessKeyRole, AwsCaller, AwsServices } from './context.ts';
import { AwsError, awsErrorHandler, ClientException } from './errors.ts';
import {
  deregisterJobDefinition,
  describeJobDefinitions,
  registerJobDefinition,
} from './job-definition-operations.ts';
import { cancelJob, describeJobs, listJobs, submitJob, terminateJob } from './job-operations.ts';
import {
  createJobQueue,
  describeJobQueues,
  getJobQueueSnapshot,
  updateJobQueue,
} from './queue-operations.ts';
import { checkSigV4Headers, checkSigV4Signature, type SigV4Credentials } from './sigv4.ts';

/** The service name in a SigV4 credential scope for AWS Batch. */
export const AWS_BATCH_SERVICE = 'batch';

type Operation = (services: AwsServices, caller: AwsCaller, body: unknown) => Promise<object>;

/** Path (lower case, as the SDK sends it) -> operation. */
export const AWS_OPERATIONS: Record<string, Operation> = {
  submitjob: submitJob,
  describejobs: describeJobs,
  listjobs: listJobs,
  canceljob: cancelJob,
  terminatejob: terminateJob,
  registerjobdefinition: registerJobDefinition,
  describejobdefinitions: describeJobDefinitions,
  deregisterjobdefinition: deregisterJobDefinition,
  createjobqueue: createJobQueue,
  describejobqueues: describeJobQueues,
  updatejobqueue: updateJobQueue,
  createcomputeenvironment: createComputeEnvironment,
  updatecomputeenvironment: updateComputeEnvironment,
  describecomputeenvironments: describeComputeEnvironments,
  getjobqueuesnapshot: getJobQueueSnapshot,
};

/** Operations that change what every tenant shares: only keys with role admin may call them. */
const ADMIN_OPERATIONS = new Set([
  'createjobqueue',
  'updatejobqueue',
  'createcomputeenvironment',
  'updatecomputeenvironment',
]);

function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/** Before the body is read: the headers name a known key, fresh and correctly scoped. */
function headerCheck(services: AwsServices): RequestHandler {
  return async (req, res, next) => {
    let tenant = '';
    let role: AccessKeyRole = 'submitter';
    const credentials = await checkSigV4Headers(pairs(req.rawHeaders), {
      service: AWS_BATCH_SERVICE,
      now: services.now(),
      secretOf: async (id) => {
        const key = await services.accessKeys.get(id);
        tenant = key?.tenant ?? '';
        role = key?.role ?? 'submitter';
        return key?.secretAccessKey;
      },
    });
    if (!credentials.ok) throw new AwsError(credentials.code, 403, credentials.message);
    res.locals['awsCredentials'] = credentials;
    res.locals['awsTenant'] = tenant;
    res.locals['awsRole'] = role;
    next();
  };
}

/** After the body is read: the signature over method, path, query, signed headers and body. */
const signatureCheck: RequestHandler = (req, res, next) => {
  const [path = '', query = ''] = req.originalUrl.split(/\?(.*)/s);
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const credentials = res.locals['awsCredentials'] as SigV4Credentials;
  const result = checkSigV4Signature(
    { method: req.method, path, query, headers: pairs(req.rawHeaders), body },
    credentials,
  );
  if (!result.ok) throw new AwsError(result.code, 403, result.message);
  const caller: AwsCaller = {
    accessKeyId: result.accessKeyId,
    tenant: res.locals['awsTenant'] as string,
    region: result.region,
  };
  res.locals['awsCaller'] = caller;
  // The same identity shape as a bearer token's (api/principal.ts), so tenancy treats both alike.
  const role = res.locals['awsRole'] as AccessKeyRole;
  const principal: Principal = { id: caller.accessKeyId, role, tenant: caller.tenant };
  res.locals['principal'] = principal;
  const operation = req.path.slice(1).toLowerCase();
  if (ADMIN_OPERATIONS.has(operation) && role !== 'admin')
    throw new AwsError(
      'AccessDeniedException',
      403,
      `${operation} changes job queues or compute environments that every tenant shares: it needs an access key ` +
        'with role admin (gpubatch keys create --tenant T --role admin)',
    );
  next();
};

function jsonBody(req: Request, maxDepth: number): unknown {
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  if (raw.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (error) {
    throw new ClientException(`request body is not valid JSON: ${(error as Error).message}`);
  }
  if (jsonDepth(body, maxDepth) > maxDepth) throw new ClientException(tooDeepMessage(maxDepth));
  return body;
}

export function awsBatchRouter(
  services: AwsServices,
  options: {
    bodyLimit: string;
    logError: (error: unknown) => void;
    maxJsonDepth?: number;
    /** Runs once the caller is known (after the header check), e.g. the per-caller rate limit. */
    afterAuthentication?: RequestHandler[];
  },
): Router {
  const router = Router();
  // The headers are checked first (no body is read for an unknown client); the signature covers the exact
  // bytes, so the body is read raw and parsed as JSON only after it verifies.
  const raw = express.raw({ type: () => true, limit: options.bodyLimit });
  const paths = Object.keys(AWS_OPERATIONS).map((name) => `/${name}`);
  const maxDepth = options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const afterAuthentication = options.afterAuthentication ?? [];
  router.post(paths, headerCheck(services), ...afterAuthentication, raw, signatureCheck, async (req, res) => {
    const operation = AWS_OPERATIONS[req.path.slice(1).toLowerCase()]!;
    const caller = res.locals['awsCaller'] as AwsCaller;
    res.status(200).json(await operation(services, caller, jsonBody(req, maxDepth)));
  });
  router.use(paths, awsErrorHandler(options.logError));
  return router;
}
