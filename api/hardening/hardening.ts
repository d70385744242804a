// The API's limits and hardening in one set of middleware (docs/operations.md, Limits and hardening):
// security headers, CORS, the per-caller rate limit (native and AWS-shaped answers), the JSON depth cap.
import type { RequestHandler } from 'express';
import { AwsError, sendAwsError } from '../aws/errors.ts';
import { cors } from './cors.ts';
import { DEFAULT_MAX_JSON_DEPTH } from './json-depth.ts';
import { rateLimit, tooManyRequestsMessage } from './rate-limit.ts';
import { securityHeaders } from './security-headers.ts';
import { DEFAULT_RATE_LIMIT, type RateLimitSettings, TokenBuckets } from './token-buckets.ts';

export interface HardeningOptions {
  /** Per caller (principal id, else client address), in this process. Default 50 req/s, burst 200. */
  rateLimit?: RateLimitSettings;
  /** Origins whose browsers may call the API (exact `scheme://host[:port]`); none by default: CORS off. */
  corsOrigins?: readonly string[];
  /** Deepest JSON nesting accepted in a body. Default 32. */
  maxJsonDepth?: number;
  /** The rate limit's clock (tests). */
  now?: () => number;
}

export interface HardeningMiddleware {
  /** First on every response: security headers, then CORS (preflights end here). */
  everyResponse: RequestHandler[];
  /** After authentication on /v1: 429 problem+json with Retry-After. */
  rateLimit: RequestHandler;
  /** After the AWS endpoint's header check: 429 TooManyRequestsException (the AWS SDKs back off on it). */
  awsRateLimit: RequestHandler;
  maxJsonDepth: number;
}

export function hardeningMiddleware(options: HardeningOptions = {}): HardeningMiddleware {
  // One set of buckets for both endpoints: a caller's budget is shared between them.
  const buckets = new TokenBuckets(options.rateLimit ?? DEFAULT_RATE_LIMIT, options.now);
  return {
    everyResponse: [securityHeaders, cors(options.corsOrigins ?? [])],
    rateLimit: rateLimit(buckets),
    awsRateLimit: rateLimit(buckets, (_req, res, retryAfterSeconds) =>
      sendAwsError(
        res,
        new AwsError('TooManyRequestsException', 429, tooManyRequestsMessage(retryAfterSeconds)),
      ),
    ),
    maxJsonDepth: options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH,
  };
}
