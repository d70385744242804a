// 429 for a caller over its request rate. Keyed by the authenticated principal's id (set by the
// authentication middleware, which must run first), else by the client address. The buckets live in
// this process: with several API replicas each one allows the full rate.
import type { Request, RequestHandler, Response } from 'express';
import { principalOf } from '../principal.ts';
import { problem, sendProblem } from '../problem.ts';
import type { TokenBuckets } from './token-buckets.ts';

export function rateLimitKey(principalId: string | undefined, address: string | undefined): string {
  return principalId !== undefined ? `principal:${principalId}` : `address:${address ?? 'unknown'}`;
}

export function tooManyRequestsMessage(retryAfterSeconds: number): string {
  return `this caller is over its request rate; retry after ${retryAfterSeconds} s`;
}

/** The native API's answer: 429 problem+json (the AWS endpoint answers in AWS's error shape instead). */
function sendTooManyRequests(req: Request, res: Response, retryAfterSeconds: number): void {
  sendProblem(res, {
    ...problem(429, 'Too many requests', tooManyRequestsMessage(retryAfterSeconds)),
    instance: req.originalUrl,
  });
}

/** One token per request: a long-lived SSE stream costs one, however long it stays open. */
export function rateLimit(buckets: TokenBuckets, reject = sendTooManyRequests): RequestHandler {
  return (req, res, next) => {
    if (!buckets.enabled) return next();
    const result = buckets.take(rateLimitKey(principalOf(res)?.id, req.socket.remoteAddress));
    if (result.allowed) return next();
    res.set('Retry-After', String(result.retryAfterSeconds));
    reject(req, res, result.retryAfterSeconds);
  };
}
