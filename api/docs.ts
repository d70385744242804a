// GET /docs: the OpenAPI document (/openapi.json) rendered by Swagger UI. Our own page and init script
// (api/docs-page/) plus the few swagger-ui-dist files they load; swagger-ui-dist's own index.html and
// initializer point at the petstore example, so they are not served.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { contentSecurityPolicy } from './hardening/content-security-policy.ts';

export const DOCS_PATH = '/docs';

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'docs-page');
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const SWAGGER_UI_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'];

/**
 * The page needs nothing inline, so scripts and styles stay 'self'; swagger-ui.css draws a few icons as
 * data: SVG images.
 */
export const DOCS_CSP = contentSecurityPolicy({ 'img-src': ["'self'", 'data:'] });

export function docsRouter(): Router {
  const router = Router();
  router.use(DOCS_PATH, (_req, res, next) => {
    res.set('Content-Security-Policy', DOCS_CSP);
    next();
  });
  // Relative asset URLs need the trailing slash.
  router.get(DOCS_PATH, (req, res, next) => {
    if (req.path.endsWith('/')) return next(); // non-strict routing: '/docs' matches '/docs/' too
    const query = req.originalUrl.slice(req.path.length);
    res.redirect(301, `${DOCS_PATH}/${query}`);
  });
  router.use(DOCS_PATH, express.static(PAGE_DIR, { index: 'index.html', maxAge: '5m' }));
  const swaggerUi = express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1h' });
  router.use(DOCS_PATH, (req, res, next) => {
    if (SWAGGER_UI_FILES.includes(req.path.slice(1))) return swaggerUi(req, res, next);
    next();
  });
  return router;
}
