// Hostile HTTP requests for any route: parameters, query, headers, content types and bodies drawn from
// hostile-values.ts, mostly with valid credentials (so they reach the handlers), some without.
import fc from 'fast-check';
import {
  hostileJson,
  hostileJsonText,
  hostileNumber,
  hostileString,
  invalidJsonText,
} from './hostile-values.ts';
import type { Route } from './routes.ts';

export interface HostileRequest {
  /** The route it was built for ("POST /v1/jobs/{id}/cancel"), for the report. */
  route: string;
  method: string;
  /** Path and query, as sent. */
  target: string;
  headers: Record<string, string>;
  body?: string;
  /** Whose credentials: the admin's, none, or something that is not a credential. */
  credentials: 'admin' | 'none' | 'bogus';
  /** An AWS operation signed with a valid key (over whatever body it carries). */
  signed: boolean;
  streams: boolean;
}

/** Stands in a path for a job the fuzz itself created; the sender puts a real id there (or none yet). */
export const CREATED_JOB = '__created_job__';

/** Values the fuzz may aim at: names and ids that exist, and near misses of them. */
export interface FuzzTargets {
  ids: string[];
  names: string[];
}

/** Field names the bodies use: from the request schemas, plus AWS Batch's. */
const AWS_FIELDS = [
  'jobName',
  'jobQueue',
  'jobDefinition',
  'jobDefinitionName',
  'jobDefinitions',
  'parameters',
  'containerOverrides',
  'containerProperties',
  'arrayProperties',
  'dependsOn',
  'retryStrategy',
  'timeout',
  'shareIdentifier',
  'schedulingPriorityOverride',
  'jobs',
  'jobId',
  'reason',
  'jobStatus',
  'maxResults',
  'nextToken',
  'filters',
  'type',
  'jobQueueName',
  'jobQueues',
  'state',
  'priority',
  'computeEnvironmentOrder',
  'computeEnvironment',
  'computeEnvironmentName',
  'computeEnvironments',
  'computeResources',
  'status',
  'tags',
  'command',
  'resourceRequirements',
];

/** A valid-looking value for a field, so that one bad field among good ones reaches deeper code. */
const plausible: Record<string, unknown> = {
  name: 'fuzz-job',
  kind: 'kernel',
  kernel: 'standardize',
  input: 'in.npy',
  output: 'out.npy',
  queue: 'default',
  resources: { gpus: 1 },
  jobName: 'fuzz',
  jobQueue: 'default',
  jobDefinition: 'fuzz-def',
  jobDefinitionName: 'fuzz-def',
  type: 'container',
  containerProperties: { command: ['kernel', 'standardize', 'in.npy', 'out.npy'] },
  jobQueueName: 'fuzz-queue',
  state: 'ENABLED',
  priority: 1,
  computeEnvironment: 'local',
  computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'local' }],
  jobs: ['x'],
  jobId: 'x',
  reason: 'fuzz',
  tenant: 'fuzz',
};

function bodyFields(route: Route, schemaFields: ReadonlyMap<string, string[]>): string[] {
  return route.aws ? AWS_FIELDS : (schemaFields.get(`${route.method} ${route.path}`) ?? []);
}

function objectBody(fields: string[]): fc.Arbitrary<unknown> {
  const known = fields.length > 0 ? fc.constantFrom(...fields) : fc.constant('name');
  const value = (field: string) =>
    fc.oneof(
      { arbitrary: hostileJson, weight: 3 },
      { arbitrary: hostileNumber, weight: 1 },
      { arbitrary: fc.constant(plausible[field] ?? 'x'), weight: 2 },
    );
  return fc
    .tuple(
      fc.uniqueArray(known, { maxLength: Math.min(8, fields.length + 1) }),
      fc.dictionary(hostileString, hostileJson, { maxKeys: 2 }),
      fc.boolean(),
    )
    .chain(([keys, extra, withPlausible]) =>
      fc.tuple(...keys.map((k) => value(k))).map((values) => {
        const body: Record<string, unknown> = {};
        if (withPlausible) for (const f of fields) if (f in plausible) body[f] = plausible[f];
        keys.forEach((k, i) => {
          body[k] = values[i];
        });
        // Own keys only, as JSON.stringify writes them: `__proto__` arrives as a real key in the text.
        for (const [k, v] of Object.entries(extra))
          Object.defineProperty(body, k, { value: v, enumerable: true });
        return body;
      }),
    );
}

/** Bodies that succeed, so that later requests find real jobs to aim at (CREATED_JOB). */
const VALID_BODIES: Record<string, unknown> = {
  'POST /v1/jobs': {
    name: 'fuzz-valid',
    kind: 'kernel',
    kernel: 'standardize',
    input: 'in.npy',
    output: 'out.npy',
    queue: 'default',
    resources: { gpus: 1 },
  },
};

function bodyText(route: Route, schemaFields: ReadonlyMap<string, string[]>): fc.Arbitrary<string> {
  const valid = VALID_BODIES[`${route.method} ${route.path}`];
  return fc.oneof(
    { arbitrary: fc.constant(JSON.stringify(valid ?? {})), weight: valid === undefined ? 0 : 3 },
    { arbitrary: objectBody(bodyFields(route, schemaFields)).map((b) => JSON.stringify(b)), weight: 12 },
    { arbitrary: hostileJson.map((b) => JSON.stringify(b) ?? 'null'), weight: 2 },
    { arbitrary: hostileJsonText, weight: 1 },
    { arbitrary: invalidJsonText, weight: 2 },
  );
}

const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'application/json; charset=nonsense',
      'application/merge-patch+json',
      'application/vnd.api+json',
      'text/plain',
      'text/html',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=----x',
      'application/octet-stream',
      'application/xml',
      '*/*',
      'garbage',
      ';;;',
      'application/json, text/plain',
      `application/json; x=${'a'.repeat(2000)}`,
    ),
    weight: 2,
  },
);

function pathValue(targets: FuzzTargets): fc.Arbitrary<string> {
  const near = [...targets.ids, ...targets.names];
  return fc.oneof(
    // A job the fuzz created: cancel, terminate, retry and read it with hostile bodies and queries.
    { arbitrary: fc.constant(CREATED_JOB), weight: 2 },
    { arbitrary: hostileString.map((s) => encodeAny(s)), weight: 4 },
    // Unencoded: slashes, dots and stray percent signs reach the router as they are.
    {
      arbitrary: hostileString.filter((s) => isVisibleAscii(s) && !/[?#]/.test(s)),
      weight: 2,
    },
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom(...near),
          fc.constantFrom('/..', '%2f..', '/../', '..%2f', '%00', '.', '*', ' ', '%20', '/'),
        )
        .map(([v, suffix]) => (suffix.startsWith('..') ? suffix + encodeAny(v) : encodeAny(v) + suffix)),
      weight: 1,
    },
  );
}

function queryString(route: Route): fc.Arbitrary<string> {
  const names = route.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const name = fc.oneof(
    { arbitrary: names.length > 0 ? fc.constantFrom(...names) : fc.constant('limit'), weight: 4 },
    {
      arbitrary: fc.constantFrom(
        '__proto__',
        '__proto__[fuzzPolluted]',
        'constructor[prototype][fuzzPolluted]',
        'a[b][c]',
      ),
      weight: 1,
    },
    { arbitrary: hostileString, weight: 1 },
  );
  const value = fc.oneof(hostileString, hostileNumber.map(String));
  return fc
    .array(fc.tuple(name, value), { maxLength: 4 })
    .map((pairs) => pairs.map(([k, v]) => `${encodeAny(k)}=${encodeAny(v)}`).join('&'));
}

const extraHeaders = fc.dictionary(
  fc.constantFrom(
    'x-fuzz',
    'accept',
    'accept-encoding',
    'content-encoding',
    'x-forwarded-for',
    'origin',
    'cookie',
    'range',
    'if-none-match',
    'x-amz-content-sha256',
  ),
  fc.oneof(
    fc.constantFrom(
      'gzip',
      'deflate',
      'br',
      'identity',
      'x-unknown',
      '*/*',
      'bytes=0-1',
      '100-continue',
      'null',
    ),
    fc.string({ maxLength: 30 }).filter((s) => isVisibleAscii(s.replaceAll(' ', '!'))),
    fc.constantFrom(1_000, 8_000).map((n) => 'h'.repeat(n)),
    fc.constantFrom('gzip', 'identity'),
  ),
  { maxKeys: 2 },
);

/** Percent-encodes any string, lone surrogates included (sent as the UTF-8 of U+FFFD, as a browser would). */
function encodeAny(s: string): string {
  return encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'));
}

/** Printable ASCII without spaces: what may appear unencoded in a request line or a header value. */
function isVisibleAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code <= 0x20 || code >= 0x7f) return false;
  }
  return true;
}

const WRONG_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

export function hostileRequest(
  routes: Route[],
  schemaFields: ReadonlyMap<string, string[]>,
  targets: FuzzTargets,
): fc.Arbitrary<HostileRequest> {
  return fc.constantFrom(...routes).chain((route) =>
    fc
      .record({
        method: fc.oneof(
          { arbitrary: fc.constant(route.method), weight: 9 },
          { arbitrary: fc.constantFrom(...WRONG_METHODS), weight: 1 },
        ),
        params: fc.array(pathValue(targets), { minLength: 2, maxLength: 2 }),
        query: queryString(route),
        headerParams: fc.array(
          hostileString.filter((s) => isVisibleAscii(s.replaceAll(' ', '!'))),
          { minLength: 1, maxLength: 1 },
        ),
        extra: extraHeaders,
        contentType,
        body: fc.option(bodyText(route, schemaFields), { freq: route.hasBody ? 8 : 1, nil: undefined }),
        credentials: fc.constantFrom<HostileRequest['credentials']>(
          'admin',
          'admin',
          'admin',
          'admin',
          'admin',
          'admin',
          'none',
          'bogus',
        ),
      })
      .map(({ method, params, query, headerParams, extra, contentType: type, body, credentials }) => {
        let n = 0;
        const path = route.path.replace(/\{[^}]+\}/g, () => params[n++ % params.length]!);
        const headers: Record<string, string> = { ...extra };
        for (const p of route.parameters.filter((q) => q.in === 'header'))
          headers[p.name.toLowerCase()] = headerParams[0]!;
        const sendsBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
        if (sendsBody) headers['content-type'] = type;
        return {
          route: `${route.method} ${route.path}`,
          method,
          // A signed AWS request signs no query; one with a query fails the signature check, tried unsigned.
          target: query && !route.aws ? `${path}?${query}` : path,
          headers,
          ...(sendsBody ? { body } : {}),
          credentials,
          signed: route.aws && credentials === 'admin',
          streams: route.streams,
        };
      }),
  );
}
