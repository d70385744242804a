// The whole service in this process (startServiceStack, role all) on a redis-server of its own, configured
// by a config file's content as `up` reads it, and a request helper for its HTTP port. Each test gets its
// own; both are stopped after the test. Requests carry the admin token given as GPUBATCH_ADMIN_TOKEN.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { stringify } from 'yaml';
import { loadConfig } from '../../scheduler/config.ts';
import type { JobRecord } from '../../scheduler/job-record.ts';
import { type ServiceStack, startServiceStack } from '../../scheduler/service-stack.ts';
import type { Reply } from './api-process.ts';
import { testRedis } from './redis-server.ts';

export interface RunningStack {
  stack: ServiceStack;
  /** The admin token `request` sends. */
  token: string;
  request(method: string, path: string, body?: unknown): Promise<Reply>;
  /** Polls GET /v1/jobs/:id until `predicate` holds (10 s at most). */
  waitFor(id: string, predicate: (job: JobRecord) => boolean, what?: string): Promise<JobRecord>;
}

/** `file`: the GPUBATCH_CONFIG content (queues, computeEnvironments, ...), validated as at start-up. */
export async function serviceStack(
  t: ExecutionContext,
  file: Record<string, unknown>,
): Promise<RunningStack> {
  const redis = await testRedis();
  const dir = mkdtempSync(join(tmpdir(), 'gpubatch-stack-'));
  writeFileSync(join(dir, 'config.yaml'), stringify(file));
  const token = `stack-admin-${randomBytes(24).toString('base64url')}`;
  const config = loadConfig(
    { GPUBATCH_CONFIG: 'config.yaml', PORT: '0', REDIS_URL: redis.url, GPUBATCH_ADMIN_TOKEN: token },
    dir,
  );
  const stack = await startServiceStack(config, redis.url);
  t.teardown(async () => {
    await stack.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const request = async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const waitFor = async (id: string, predicate: (job: JobRecord) => boolean, what = 'the condition') => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const job = (await request('GET', `/v1/jobs/${id}`)).body as JobRecord;
      if (predicate(job)) return job;
      if (Date.now() > deadline)
        throw new Error(`job ${id}: ${what} not reached; last: ${job?.status} ${job?.statusReason}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  // The scheduler campaigns in the background: wait until it leads, as `up` logs it.
  const deadline = Date.now() + 10_000;
  while (!stack.scheduler?.isLeader) {
    if (Date.now() > deadline) throw new Error('the scheduler did not lead within 10 s');
    await new Promise((r) => setTimeout(r, 25));
  }
  return { stack, token, request, waitFor };
}
