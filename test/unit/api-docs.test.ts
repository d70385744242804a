// /docs renders /openapi.json with Swagger UI from files served here, with no inline script or style
// (so a Content-Security-Policy of default-src 'self' does not break it).
import test from 'ava';
import { startApi } from '../support/api-harness.ts';

/** Every src and href of the page's script, link and img tags. */
function assetsOf(html: string): string[] {
  return [...html.matchAll(/<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
}

test('/docs redirects to /docs/ so the page can load its assets by relative URL', async (t) => {
  const api = await startApi(t);

  const response = await fetch(`${api.url}/docs`, { redirect: 'manual' });

  t.is(response.status, 301);
  t.is(response.headers.get('location'), '/docs/');
});

test('the page loads Swagger UI and an init script, all from this server, none of it inline', async (t) => {
  const api = await startApi(t);

  const page = await api.request('/docs/');

  t.is(page.status, 200);
  t.regex(page.contentType, /^text\/html/);
  const html: string = page.body;
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  t.true(scripts.length >= 2);
  for (const [, attributes, body] of scripts) {
    t.regex(attributes!, /\bsrc="[^"]+"/, 'every script is a file');
    t.is(body!.trim(), '', 'no inline code');
  }
  t.notRegex(html, /<style\b|\sstyle="|\son[a-z]+="/i, 'no inline style or event handler');
  const assets = assetsOf(html);
  t.true(assets.includes('swagger-ui-bundle.js'));
  t.true(assets.includes('init.js'));
  for (const asset of assets) t.false(/^[a-z]+:|^\/\//i.test(asset), `${asset} is on this server`);
});

test('every asset of the page is served with its content type', async (t) => {
  const api = await startApi(t);
  const html: string = (await api.request('/docs/')).body;
  const expected: Record<string, RegExp> = {
    js: /^(text|application)\/javascript/,
    css: /^text\/css/,
    png: /^image\/png/,
  };

  for (const asset of assetsOf(html)) {
    const response = await fetch(new URL(asset, `${api.url}/docs/`));
    const body = await response.arrayBuffer();
    t.is(response.status, 200, asset);
    t.regex(response.headers.get('content-type') ?? '', expected[asset.split('.').pop()!]!, asset);
    t.true(body.byteLength > 0, asset);
  }
});

test('the init script renders the document this server serves at /openapi.json', async (t) => {
  const api = await startApi(t);

  const script: string = (await api.request('/docs/init.js')).body;
  const url = /new URL\('([^']+)', window\.location\.href\)/.exec(script)?.[1];

  t.truthy(url, 'the document URL is relative to the page');
  const document = await api.request(new URL(url!, `${api.url}/docs/`).pathname);
  t.is(document.status, 200);
  t.is(document.body.openapi, '3.1.0');
  t.regex(script, /SwaggerUIBundle\(/);
  t.notRegex(script, /petstore|https?:\/\//, 'nothing is loaded from elsewhere');
});

test("swagger-ui-dist's own example page and initializer are not served", async (t) => {
  const api = await startApi(t);

  for (const path of ['/docs/swagger-initializer.js', '/docs/index.css', '/docs/oauth2-redirect.html']) {
    t.is((await api.request(path)).status, 404, path);
  }
  t.is((await api.request('/docs/index.html')).status, 200, 'ours');
  t.notRegex((await api.request('/docs/index.html')).body, /swagger-initializer/);
});

test('the page and its assets come with a policy that allows no inline script or style', async (t) => {
  const api = await startApi(t);

  for (const path of ['/docs/', '/docs/init.js', '/docs/swagger-ui-bundle.js']) {
    const policy = (await api.request(path)).headers.get('content-security-policy') ?? '';
    t.regex(policy, /default-src 'self'/, path);
    t.notRegex(policy, /unsafe-inline|unsafe-eval/, path);
  }
});
