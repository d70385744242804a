// JSON bodies: a size limit, and 415 (not a silently empty body) for any other content type.
import express, { type RequestHandler } from 'express';
import { ApiError, ValidationError } from './errors.ts';

const JSON_TYPES = ['application/json', 'application/*+json'];

export function parseJsonBodies(limit: string): RequestHandler {
  return express.json({ limit, type: JSON_TYPES, strict: true });
}

function hasBody(req: Parameters<RequestHandler>[0]): boolean {
  return req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
}

function requireJsonType(req: Parameters<RequestHandler>[0]): void {
  if (!req.is(JSON_TYPES)) {
    throw new ApiError(
      415,
      'Unsupported media type',
      `send the body as application/json, not ${req.get('content-type') ?? 'without a Content-Type'}`,
    );
  }
}

/** For routes whose body is required. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (!hasBody(req))
    throw new ValidationError('request body is required', [{ field: 'body', message: 'required' }]);
  requireJsonType(req);
  next();
};

/** For routes whose body may be left out. */
export const allowJsonBody: RequestHandler = (req, _res, next) => {
  if (hasBody(req)) requireJsonType(req);
  next();
};
