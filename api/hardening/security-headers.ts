// Headers on every response that keep a browser from misreading or framing what the API sends.
import type { RequestHandler } from 'express';
import { contentSecurityPolicy } from './content-security-policy.ts';

/**
 * Same-origin everything: enough for JSON and for a dashboard served by this process from its own
 * static files (/ui); no inline scripts, no framing. `data:` images are the one exception UIs commonly need.
 */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy({ 'img-src': ["'self'", 'data:'] });

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
};

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set(SECURITY_HEADERS);
  next();
};
