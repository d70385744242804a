// metav1.Status bodies exactly as the API server sends them for errors, so client code that
// reads `code`, `reason` and `details` is tested against the real shape.

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  retryAfterSeconds?: number;
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** Thrown inside the double; the server turns it into an HTTP response carrying `status`. */
export class KubeError extends Error {
  readonly status: KubeStatus;
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    };
  }
  get code(): number {
    return this.status.code;
  }
}

/** Identifies a resource in messages the way the API server does: `pods`, `leases.coordination.k8s.io`. */
export interface ResourceName {
  plural: string;
  group: string;
  kind: string;
}

function qualified(r: ResourceName): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** The API server omits an empty group. */
function details(r: ResourceName, name: string, kind = r.plural): StatusDetails {
  return { name, ...(r.group ? { group: r.group } : {}), kind };
}

export const statuses = {
  notFound: (r: ResourceName, name: string) =>
    new KubeError(404, 'NotFound', `${qualified(r)} "${name}" not found`, details(r, name)),
  alreadyExists: (r: ResourceName, name: string) =>
    new KubeError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, details(r, name)),
  conflict: (r: ResourceName, name: string, why: string) =>
    new KubeError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`,
      details(r, name),
    ),
  modified: (r: ResourceName, name: string) =>
    statuses.conflict(
      r,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    ),
  invalid: (r: ResourceName, name: string, causes: string) =>
    new KubeError(422, 'Invalid', `${r.kind} "${name}" is invalid: ${causes}`, details(r, name, r.kind)),
  badRequest: (message: string) => new KubeError(400, 'BadRequest', message),
  gone: (message: string) => new KubeError(410, 'Expired', message),
  unauthorized: () => new KubeError(401, 'Unauthorized', 'Unauthorized'),
  methodNotAllowed: (verb: string) =>
    new KubeError(
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource (${verb})`,
    ),
  unsupportedMediaType: (type: string) =>
    new KubeError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${type})`,
    ),
  notFoundPath: () => new KubeError(404, 'NotFound', 'the server could not find the requested resource'),
  injected: (code: number, retryAfterSeconds?: number) =>
    code === 429
      ? new KubeError(429, 'TooManyRequests', 'Too many requests, please try again later.', {
          retryAfterSeconds: retryAfterSeconds ?? 1,
        })
      : new KubeError(
          code,
          code === 503 ? 'ServiceUnavailable' : code === 504 ? 'Timeout' : 'InternalError',
          `injected fault: HTTP ${code}`,
          retryAfterSeconds === undefined ? undefined : { retryAfterSeconds },
        ),
};

export function successStatus(code: number, details?: StatusDetails): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    code,
    ...(details ? { details } : {}),
  };
}
