// AWS Batch's error shape: the type in X-Amzn-Errortype and {"__type", "message"} in the body, which the
// AWS SDKs and CLI turn into a typed exception (ClientException, ServerException, ...).
import type { ErrorRequestHandler, Response } from 'express';
import { asStoreUnavailable } from '../../scheduler/store/store-unavailable.ts';
import { ApiError } from '../errors.ts';

export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

/** AWS Batch answers every problem with the request (unknown job, bad field, ...) with this. */
export class ClientException extends AwsError {
  constructor(message: string) {
    super('ClientException', 400, message);
  }
}

export function sendAwsError(res: Response, error: AwsError): void {
  res
    .status(error.status)
    .set('X-Amzn-Errortype', error.code)
    .type('application/json')
    .send(JSON.stringify({ __type: error.code, message: error.message }));
}

/**
 * Native typed errors (validation, 404, 409, 422) are all ClientException; anything else a ServerException:
 * 503 with Retry-After while the job store (Redis) is unavailable, else 500.
 */
export function awsErrorHandler(logError: (error: unknown) => void): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof AwsError) return sendAwsError(res, error);
    if (error instanceof ApiError) {
      const fields = error.problems.map((p) => `${p.field}: ${p.message}`);
      const detail = fields.length > 1 ? `${error.message} [${fields.join('; ')}]` : error.message;
      return sendAwsError(res, new ClientException(detail));
    }
    // Redis away: a 5xx the SDKs retry by themselves, with the same Retry-After as the native API.
    const unavailable = asStoreUnavailable(error);
    if (unavailable) {
      res.set('Retry-After', String(unavailable.retryAfterSeconds));
      return sendAwsError(res, new AwsError('ServerException', 503, unavailable.message));
    }
    // body-parser's errors (body too large, bad encoding) carry their 4xx status.
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500)
      return sendAwsError(res, new AwsError('ClientException', status, (error as Error).message));
    logError(error);
    sendAwsError(
      res,
      new AwsError('ServerException', 500, 'an unexpected error occurred; see the server log'),
    );
  };
}
