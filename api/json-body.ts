// JSON bodies: a size limit, and 415 (not a silently empty body) for any other content type.
import express, { type RequestHandler, Router } from 'express';
import { ApiError, ValidationError } from './errors.ts';
import { DEFAULT_MAX_JSON_DEPTH, jsonDepth, tooDeepMessage } from './hardening/json-depth.ts';

const JSON_TYPES = ['application/json', 'application/*+json'];

/** Parses JSON bodies up to `limit` bytes and `maxDepth` levels of nesting (400 naming `body` beyond it). */
export function parseJsonBodies(limit: string, maxDepth = DEFAULT_MAX_JSON_DEPTH): RequestHandler {
  const router = Router();
  router.use(express.json({ limit, type: JSON_TYPES, strict: true }));
  router.use((req, _res, next) => {
    if (jsonDepth(req.body, maxDepth) > maxDepth) {
      throw new ValidationError(tooDeepMessage(maxDepth), [
        { field: 'body', message: tooDeepMessage(maxDepth) },
      ]);
    }
    next();
  });
  return router;
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
