// /docs in headless Chromium under the Content-Security-Policy it is served with: Swagger UI renders
// every tag and operation of /openapi.json, and the browser reports no error (a blocked inline script
// or style would be one). Needs Debian's chromium (CHROMIUM_PATH to use another); skipped without it.
import { existsSync } from 'node:fs';
import test from 'ava';
import { chromium } from 'playwright-core';
import { startApi } from '../support/api-harness.ts';

const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const browserTest = existsSync(executablePath) ? test : test.skip;

browserTest('Swagger UI renders every operation of the document, with no browser error', async (t) => {
  const api = await startApi(t);
  const document = (await api.request('/openapi.json')).body;
  const operations = Object.values(document.paths).flatMap((item) => Object.keys(item as object));
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));

  const response = await page.goto(`${api.url}/docs`);
  await page.waitForSelector('.opblock', { timeout: 40_000 });

  t.regex(response?.headers()['content-security-policy'] ?? '', /default-src 'self'/);
  t.notRegex(response?.headers()['content-security-policy'] ?? '', /unsafe-inline|unsafe-eval/);
  const tags = await page.$$eval('.opblock-tag', (elements) =>
    elements.map((element) => element.getAttribute('data-tag')),
  );
  t.deepEqual(
    tags,
    document.tags.map((tag: { name: string }) => tag.name),
  );
  t.is(await page.locator('.opblock').count(), operations.length);
  t.is(await page.locator('.authorize').count(), 1, 'the bearer scheme gets an Authorize button');
  t.deepEqual(errors, []);
});
