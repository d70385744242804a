// Optional bearer-token auth for /v1; health probes and the OpenAPI document stay open.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { problem, sendProblem } from './problem.ts';

/** Hashing both sides gives equal lengths, so the comparison takes the same time for any guess. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function requireBearerToken(token: string): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const match = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
    if (match?.[1] && timingSafeEqual(digest(match[1].trim()), expected)) return next();
    res.set('WWW-Authenticate', 'Bearer realm="gpubatch"');
    sendProblem(res, {
      ...problem(401, 'Unauthorized', 'send "Authorization: Bearer <token>" with the configured API token'),
      instance: req.originalUrl,
    });
  };
}
