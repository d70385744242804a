// The one place where errors become RFC 9457 problem+json responses.
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { asStoreUnavailable } from '../scheduler/store/store-unavailable.ts';
import { ApiError, type FieldProblem, NotFoundError } from './errors.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldProblem[];
}

/** Stable problem type URIs per status, so clients can branch on `type` (documented in docs/api.md). */
const TYPE_SLUGS: Record<number, string> = {
  400: 'invalid-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'body-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable-job',
  429: 'too-many-requests',
  500: 'internal-error',
  501: 'not-implemented',
  502: 'upstream-error',
  503: 'not-ready',
};

export function problemType(status: number): string {
  const slug = TYPE_SLUGS[status];
  return slug ? `urn:gpubatch:problem:${slug}` : 'about:blank';
}

export function problem(status: number, title: string, detail: string, errors: FieldProblem[] = []): Problem {
  return { type: problemType(status), title, status, detail, ...(errors.length > 0 ? { errors } : {}) };
}

/** The shape body-parser gives its errors (it sets `type` and an HTTP `status`). */
interface BodyParserError {
  type: string;
  status: number;
  message: string;
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as Partial<BodyParserError>;
  return typeof candidate.type === 'string' && typeof candidate.status === 'number';
}

function fromBodyParser(error: BodyParserError): Problem | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return problem(400, 'Malformed JSON', `request body is not valid JSON: ${error.message}`);
    case 'entity.too.large':
      return problem(413, 'Request body too large', `request body is over the limit of ${error.limit} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problem(415, 'Unsupported media type', error.message);
    default:
      return error.status >= 400 && error.status < 500
        ? problem(error.status, 'Bad request', error.message)
        : undefined;
  }
}

/**
 * Client errors Express's own layers raise without a body-parser `type`: the router's URIError for a path
 * parameter that is not valid percent-encoding, and body-parser's wrapped zlib error for a body that does
 * not match its Content-Encoding. Both carry a 4xx `status`.
 */
function fromExpressLayer(error: unknown): Problem | undefined {
  if (!(error instanceof Error)) return undefined;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (error instanceof URIError)
    return problem(status, 'Malformed URL', `${error.message}: not valid percent-encoding`);
  if (expose === true)
    return problem(status, 'Bad request', `request body could not be read: ${error.message}`);
  return undefined;
}

/** Maps any thrown value to a problem; undefined means "unexpected" (a 500 that hides the cause). */
export function knownProblem(error: unknown): Problem | undefined {
  if (error instanceof ApiError) return problem(error.status, error.title, error.message, error.problems);
  if (isBodyParserError(error)) return fromBodyParser(error);
  const unavailable = asStoreUnavailable(error);
  if (unavailable) {
    return problem(
      503,
      'Service unavailable',
      `${unavailable.message}; try again in ${unavailable.retryAfterSeconds} s. A write answered 503 may ` +
        'still have been applied: retry a submission with the same idempotency key',
    );
  }
  return fromExpressLayer(error);
}

/** Seconds to send as Retry-After: set for a job store outage, which passes by itself. */
export function retryAfterSeconds(error: unknown): number | undefined {
  return asStoreUnavailable(error)?.retryAfterSeconds;
}

export function sendProblem(res: Response, body: Problem): void {
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).json(body);
}

export function unknownRoute(): RequestHandler {
  return (req) => {
    throw new NotFoundError(`no route for ${req.method} ${req.path}`);
  };
}

export function problemHandler(logError: (error: unknown) => void): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    let body = knownProblem(error);
    if (!body) {
      logError(error);
      body = problem(500, 'Internal server error', 'an unexpected error occurred; see the server log');
    }
    const retryAfter = retryAfterSeconds(error);
    if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
    sendProblem(res, { ...body, instance: req.originalUrl });
  };
}
