// CORS: off unless origins are configured. Only a listed Origin is echoed back (never "*"); a preflight
// from any other origin is refused, so a browser on another site cannot call the API with a user's token.
import type { RequestHandler } from 'express';
import { problem, sendProblem } from '../problem.ts';

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
/** Request headers a browser client may send (the AWS SDK's SigV4 ones included). */
const ALLOWED_HEADERS =
  'Authorization, Content-Type, Idempotency-Key, Last-Event-ID, X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token, X-Amz-User-Agent';
/** Response headers a browser client may read. */
const EXPOSED_HEADERS = 'Location, Retry-After, X-Amzn-Errortype, X-Amzn-Requestid';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

export function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.get('origin');
    const preflight = req.method === 'OPTIONS' && req.get('access-control-request-method') !== undefined;
    if (origin === undefined) return next();
    // Caches must key on Origin: the answer differs per origin.
    res.vary('Origin');
    if (!allowed.has(origin)) {
      if (!preflight) return next();
      return sendProblem(res, {
        ...problem(403, 'Forbidden', `cross-origin requests from ${origin} are not allowed`),
        instance: req.originalUrl,
      });
    }
    res.set('Access-Control-Allow-Origin', origin);
    res.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (!preflight) return next();
    res.set({
      'Access-Control-Allow-Methods': ALLOWED_METHODS,
      'Access-Control-Allow-Headers': ALLOWED_HEADERS,
      'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SECONDS,
    });
    res.status(204).end();
  };
}
