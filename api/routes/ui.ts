// GET /ui: the dashboard's static files (api/ui/static; docs/ui.md). They hold no data, so they are served
// without a token; the page asks for one and sends it on every /v1 request it makes.
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { contentSecurityPolicy } from '../hardening/content-security-policy.ts';

export const UI_STATIC_DIR = fileURLToPath(new URL('../ui/static/', import.meta.url));

/**
 * The page's own policy: everything from this origin, nothing inline. The dashboard is written to it, and
 * the browser test fails on any violation, so it keeps working under a stricter global header.
 */
export const UI_CONTENT_SECURITY_POLICY = contentSecurityPolicy();

export function uiRouter(): Router {
  const router = Router();
  // Relative asset URLs in index.html resolve under /ui/ only with the slash. The redirect is relative
  // too ("ui/" from ".../ui"), so it also works behind a proxy that adds a path prefix.
  router.get('/', (req, res, next) => {
    if (req.originalUrl.split('?')[0]?.endsWith('/')) return next();
    res.redirect(301, 'ui/');
  });
  router.use(
    express.static(UI_STATIC_DIR, {
      index: 'index.html',
      // No build step, so no content hashes in file names: revalidate every time (ETag makes it a 304).
      cacheControl: true,
      maxAge: 0,
      etag: true,
      lastModified: true,
      fallthrough: true,
      setHeaders: (res) => {
        res.setHeader('Cache-Control', 'no-cache');
        res.setHeader('Content-Security-Policy', UI_CONTENT_SECURITY_POLICY);
        res.setHeader('X-Content-Type-Options', 'nosniff');
      },
    }),
  );
  return router;
}
