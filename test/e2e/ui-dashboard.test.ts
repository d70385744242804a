// The dashboard (/ui) in headless Chromium over a real scheduler stack (Redis, leader, placement, the
// events stream) with a fake executor the test drives: sign in, filter the jobs table, check the GPU map
// against the API, open a job and watch it finish without a reload. Screenshots go to test-artifacts/ui/
// (and to docs/img/ with GPUBATCH_UPDATE_SCREENSHOTS=1, for the README).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import test from 'ava';
import type { Page } from 'playwright-core';
import { createApp } from '../../api/app.ts';
import type { JobLogs } from '../../api/job-logs.ts';
import type { ComputeEnvironmentView, JobPage } from '../../api/job-service.ts';
import type { JobSpecInput } from '../../api/schemas/job-spec.ts';
import type { JobRecord } from '../../scheduler/job-record.ts';
import { ApiTokenStore } from '../../scheduler/store/api-tokens.ts';
import { RedisJobEventFeed } from '../../scheduler/store/job-events.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { gpuNodes } from '../support/builders.ts';
import { launchChromium } from '../support/chromium.ts';
import { failure, success } from '../support/fake-executor.ts';
import { serve } from '../support/http-server.ts';
import { schedulerStackPerTest } from '../support/scheduler-stack.ts';

const REPO = new URL('../../', import.meta.url).pathname;
const ARTIFACTS = join(REPO, 'test-artifacts', 'ui');
const TOKEN = 'ui-test-token';
const stack = schedulerStackPerTest(test);

/** Log lines the test writes for an attempt, served as GET /v1/jobs/:id/logs would serve a pod's log. */
class TestLogs implements JobLogs {
  readonly lines = new Map<string, string[]>();
  add(jobId: string, attempt: number, line: string): void {
    const key = `${jobId}/${attempt}`;
    this.lines.set(key, [...(this.lines.get(key) ?? []), line]);
  }
  async stream(jobId: string, attempt: number, _options: unknown, out: Writable): Promise<() => void> {
    const lines = this.lines.get(`${jobId}/${attempt}`) ?? [];
    out.end(lines.map((line) => `${line}\n`).join(''));
    return () => {};
  }
}

/** GET over the API with the token, as the page does. */
async function apiGet<T>(url: string, path: string): Promise<T> {
  const response = await fetch(url + path, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return (await response.json()) as T;
}

/** The views the README shows (docs/img/ui-<name>.png). */
const README_SHOTS = ['cluster', 'job'];

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  if (process.env['GPUBATCH_UPDATE_SCREENSHOTS'] === '1' && README_SHOTS.includes(name))
    await page.screenshot({ path: join(REPO, 'docs', 'img', `ui-${name}.png`), fullPage: true });
}

test('the dashboard signs in, filters jobs, draws the GPU map the API reports and shows a job finish live', async (t) => {
  t.timeout(90_000);
  const harness = await stack.start(gpuNodes(3, { gpus: 4, namePrefix: 'gpu' }), {
    queues: ['training', 'inference', 'etl', 'research'],
  });
  const logs = new TestLogs();
  const client = connect(stack.redis.url);
  // TOKEN as an admin token in the real token store, as GPUBATCH_ADMIN_TOKEN would store it.
  const tokens = new ApiTokenStore(client);
  await tokens.ensure(TOKEN, { role: 'admin', tenant: 'default' });
  const server = await serve(
    createApp({
      jobs: harness.jobs,
      events: new RedisJobEventFeed(client, { blockMs: 200 }),
      logs,
      auth: { tokens },
    }),
  );
  const browser = await launchChromium();
  t.teardown(async () => {
    await browser.close();
    await server.close();
    client.disconnect();
  });

  /** Submits a job and, unless it is to wait, lets it start and report RUNNING. */
  const run = async (spec: Partial<JobSpecInput>) => {
    const job = await harness.submit(spec);
    const attempt = await harness.executor.started(job.id);
    attempt.hooks.onStarted('gpu.js:webgpu');
    await harness.waitForStatus(job.id, 'RUNNING');
    return { job, attempt };
  };
  // History: one job that succeeded, one that failed.
  const done = await run({ name: 'prep-features', queue: 'etl', resources: { gpus: 1 } });
  done.attempt.settle(success('/data/features.npy'));
  const bad = await run({ name: 'prep-labels', queue: 'etl', resources: { gpus: 1 } });
  bad.attempt.settle(failure('INPUT_UNREADABLE', false));
  await harness.waitForStatus(bad.job.id, 'FAILED');
  // Now running: whole GPUs, and two jobs sharing one GPU.
  const resnet = await run({
    name: 'train-resnet',
    queue: 'training',
    shareIdentifier: 'vision',
    resources: { gpus: 4 },
  });
  const bert = await run({
    name: 'train-bert',
    queue: 'training',
    shareIdentifier: 'nlp',
    resources: { gpus: 2 },
  });
  await run({ name: 'embed-docs', queue: 'inference', shareIdentifier: 'nlp', resources: { gpuMilli: 500 } });
  await run({
    name: 'score-images',
    queue: 'inference',
    shareIdentifier: 'vision',
    resources: { gpuMilli: 250 },
  });
  const join = await run({ name: 'join-events', queue: 'etl', resources: { gpus: 3 } });
  resnet.attempt.hooks.onProgress({ done: 620_000, total: 1_000_000 });
  // Waiting: no node has 4 GPUs free.
  const llm = await harness.submit({ name: 'finetune-llm', queue: 'research', resources: { gpus: 4 } });
  await harness.waitForStatus(llm.id, 'RUNNABLE');
  harness.scheduler.publishScaleSignal();
  await new Promise((r) => setTimeout(r, 100)); // the signal is written asynchronously

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !/401 \(Unauthorized\)/.test(message.text()))
      problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));

  // Sign in: a wrong token is refused, the right one opens the jobs table.
  await page.goto(`${server.url}/ui/?interval=500`);
  await page.fill('#token', 'not-the-token');
  await page.click('button[type=submit]');
  await page.waitForSelector('#sign-in-error:has-text("not accepted")');
  await page.fill('#token', TOKEN);
  await page.click('button[type=submit]');
  const rows = page.locator('#jobs-table tbody tr[data-job-id]');
  await rows.nth(7).waitFor();
  t.is(await rows.count(), 8, 'every job is listed');
  t.is(
    await page.evaluate(() => sessionStorage.getItem('gpubatch.token')),
    TOKEN,
    'the token is kept for the tab',
  );
  t.false(page.url().includes(TOKEN), 'the token is never in a URL');
  await screenshot(page, 'jobs');

  // Filters: what the table shows is what GET /v1/jobs answers for the same filter.
  const shown = async () =>
    (await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset['jobId']))).sort();
  const listed = async (query: string) =>
    (await apiGet<JobPage>(server.url, `/v1/jobs?${query}`)).jobs.map((job) => job.id).sort();
  await page.selectOption('#filter-queue', 'inference');
  await page.waitForFunction(
    () => document.querySelectorAll('#jobs-table tbody tr[data-job-id]').length === 2,
  );
  t.deepEqual(await shown(), await listed('queue=inference'));
  await page.selectOption('#filter-queue', '');
  await page.selectOption('#filter-status', 'RUNNING');
  await page.waitForFunction(
    () => document.querySelectorAll('#jobs-table tbody tr[data-job-id]').length === 5,
  );
  t.deepEqual(await shown(), await listed('status=RUNNING'));
  t.regex(page.url(), /#\/jobs\?status=RUNNING$/, 'the filter is in the address');

  // The cluster view: one cell per GPU the API reports, in its state, coloured by the queue on it.
  await page.click('[data-nav=cluster]');
  const [ce] = (
    await apiGet<{ computeEnvironments: ComputeEnvironmentView[] }>(server.url, '/v1/compute-environments')
  ).computeEnvironments;
  const gpuUse = ce?.gpuUse ?? [];
  const running = (await apiGet<JobPage>(server.url, '/v1/jobs?status=RUNNING')).jobs;
  await page.locator('.gpu').nth(11).waitFor();
  const cells = await page
    .locator('.gpu')
    .evaluateAll((els) => els.map((el) => ({ ...(el as HTMLElement).dataset })));
  t.is(cells.length, 12);
  t.deepEqual(
    cells.map((c) => `${c['node']}/${c['index']} ${c['usedMilli']}`),
    gpuUse.flatMap((node) => node.usedMilli.map((milli, index) => `${node.node}/${index} ${milli}`)),
    'cells follow the published per-node GPU use',
  );
  const expectedQueues = new Map<string, string[]>();
  for (const job of running as JobRecord[]) {
    const { node, gpuIndices } = job.attempts.at(-1)!.placement;
    for (const index of gpuIndices) {
      const key = `${node}/${index}`;
      expectedQueues.set(key, [...(expectedQueues.get(key) ?? []), job.spec.queue]);
    }
  }
  for (const cell of cells) {
    const key = `${cell['node']}/${cell['index']}`;
    t.is(cell['queue'] ?? '', (expectedQueues.get(key) ?? []).join(' '), `queue on ${key}`);
    const milli = Number(cell['usedMilli']);
    t.is(cell['state'], milli >= 1000 ? 'used' : milli > 0 ? 'partly' : 'free', `state of ${key}`);
  }
  t.is(cells.filter((c) => c['state'] === 'partly').length, 1, 'the two shared-GPU jobs share one GPU');
  // The band of train-resnet's GPUs has the colour the legend gives its queue.
  const [bandColour, legendColour] = await page.evaluate((id) => {
    const colour = (el: Element | null | undefined) =>
      el ? getComputedStyle(el).backgroundColor : 'missing';
    const chip = [...document.querySelectorAll('.pool .legend .chip')].find(
      (c) => c.textContent === 'training',
    );
    return [colour(document.querySelector(`.use[data-job="${id}"]`)), colour(chip?.querySelector('.swatch'))];
  }, resnet.job.id);
  t.regex(bandColour, /^rgb/);
  t.is(bandColour, legendColour);
  // Charts: a few samples in, the allocation chart's total is the pool's GPUs.
  await page.waitForFunction(
    () => Number(document.querySelector('#chart-allocation svg')?.getAttribute('data-points')) >= 4,
  );
  t.regex((await page.textContent('#chart-allocation')) ?? '', /12 GPUs/);

  // The map follows the cluster: join-events ends, finetune-llm takes the node it freed.
  join.attempt.settle(success('/data/joined.npy'));
  const llmAttempt = await harness.executor.started(llm.id);
  llmAttempt.hooks.onStarted('gpu.js:webgpu');
  await harness.waitForStatus(llm.id, 'RUNNING');
  harness.scheduler.publishScaleSignal();
  const llmNode = llmAttempt.placement.node;
  await page.waitForFunction(
    ({ node, id }) =>
      document.querySelectorAll(`.gpu[data-node="${node}"][data-jobs="${id}"][data-state=used]`).length === 4,
    { node: llmNode, id: llm.id },
  );
  await page.waitForFunction(
    () => Number(document.querySelector('#chart-depth svg')?.getAttribute('data-points')) >= 12,
  );
  await screenshot(page, 'cluster');

  // A job page, live: progress and the log appear, then SUCCEEDED arrives without a reload.
  await page.click('[data-nav=jobs]');
  await page.click(`#jobs-table tr[data-job-id="${bert.job.id}"] a.job-link`);
  await page.waitForSelector('#job-status[data-status=RUNNING]');
  await page.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });
  logs.add(bert.job.id, 1, 'loaded 2,000,000 rows from s3://corpus/train');
  logs.add(bert.job.id, 1, 'epoch 1/2: loss 2.184');
  bert.attempt.hooks.onProgress({ done: 500, total: 1000 });
  await page.waitForSelector('#job-progress:has-text("50%")');
  await page.waitForSelector('#job-logs:has-text("epoch 1/2")');
  t.regex((await page.textContent('#job-eta')) ?? '', /finishes in /);
  logs.add(bert.job.id, 1, 'epoch 2/2: loss 1.731');
  logs.add(bert.job.id, 1, 'saved model to /models/bert.onnx');
  bert.attempt.hooks.onProgress({ done: 1000, total: 1000 });
  bert.attempt.settle(success('/models/bert.onnx'));
  await page.waitForSelector('#job-status[data-status=SUCCEEDED]', { timeout: 10_000 });
  await page.waitForSelector('#job-logs:has-text("saved model")');
  t.true(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true));
  t.regex((await page.textContent('#job-history')) ?? '', /SUCCEEDED/);
  t.is(await page.locator('#job-attempts tbody tr').count(), 1);
  await screenshot(page, 'job');

  // The table is live too: a new job appears on top and its row follows it to SUCCEEDED.
  await page.click('[data-nav=jobs]');
  await rows.first().waitFor();
  const late = await harness.submit({ name: 'export-report', queue: 'etl', resources: { gpus: 1 } });
  const lateRow = page.locator(`#jobs-table tbody tr[data-job-id="${late.id}"]`);
  await lateRow.waitFor();
  t.is(await rows.first().getAttribute('data-job-id'), late.id, 'the newest job is on top');
  const lateAttempt = await harness.executor.started(late.id);
  lateAttempt.hooks.onStarted('gpu.js:webgpu');
  await page.waitForSelector(`#jobs-table tr[data-job-id="${late.id}"][data-status=RUNNING]`);
  lateAttempt.settle(success('/data/report.npy'));
  await page.waitForSelector(`#jobs-table tr[data-job-id="${late.id}"][data-status=SUCCEEDED] .badge`);
  t.true(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true));

  t.deepEqual(problems, [], 'no script error and no Content-Security-Policy violation');
});
