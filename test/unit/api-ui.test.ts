// GET /ui: the dashboard's files, served without a token (they hold no data) with the right types,
// revalidated on every load (no build step, so no hashed names) and under the page's own CSP.
import test from 'ava';
import { UI_CONTENT_SECURITY_POLICY } from '../../api/routes/ui.ts';
import { startApi } from '../support/api-harness.ts';

test('/ui redirects to /ui/, which serves the page without a token', async (t) => {
  const api = await startApi(t);

  const redirect = await fetch(`${api.url}/ui`, { redirect: 'manual' });
  const page = await api.request('/ui/', { token: null });

  t.is(redirect.status, 301);
  t.is(redirect.headers.get('location'), 'ui/', 'relative, so a path prefix in front is kept');
  t.is(page.status, 200);
  t.is(page.contentType, 'text/html; charset=utf-8');
  t.regex(page.body, /<script type="module" src="js\/main.js"><\/script>/);
});

test('scripts and styles are served as files with their types, the page policy and revalidation', async (t) => {
  const api = await startApi(t);

  const script = await api.request('/ui/js/main.js', { token: null });
  const style = await api.request('/ui/app.css', { token: null });

  t.is(script.status, 200);
  t.is(script.contentType, 'text/javascript; charset=utf-8');
  t.is(style.contentType, 'text/css; charset=utf-8');
  for (const response of [script, style]) {
    t.is(response.headers.get('cache-control'), 'no-cache');
    t.truthy(response.headers.get('etag'));
    t.is(response.headers.get('content-security-policy'), UI_CONTENT_SECURITY_POLICY);
    t.is(response.headers.get('x-content-type-options'), 'nosniff');
  }
});

test('the page has no inline script or style, so it runs under default-src self', async (t) => {
  const api = await startApi(t);

  const page = (await api.request('/ui/')).body as string;

  t.notRegex(page, /<script(?![^>]*\bsrc=)[^>]*>/, 'every script is a file');
  t.notRegex(page, /<style|\sstyle=/, 'every style is in app.css');
});

test('a missing file under /ui is a problem+json 404, while the data stays behind the token', async (t) => {
  const api = await startApi(t);

  const missing = await api.request('/ui/nope.js', { token: null });
  const data = await api.request('/v1/jobs', { token: null });

  t.is(missing.status, 404);
  t.is(missing.contentType, 'application/problem+json; charset=utf-8');
  t.is(data.status, 401);
});
