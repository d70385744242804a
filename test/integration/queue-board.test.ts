// /admin/queues: bull-board over the job queues' BullMQ lanes, for admins only, read-only, and showing
// queues created at run time by any process. The principal is set by a stub in place of authentication.
import test, { type ExecutionContext } from 'ava';
import express from 'express';
import type { Principal, Role } from '../../api/principal.ts';
import { QUEUE_BOARD_PATH, queueBoardRouter } from '../../api/queue-board-route.ts';
import { QueueSchema } from '../../scheduler/config.ts';
import { queueBoard } from '../../scheduler/queue-board.ts';
import { JobQueues } from '../../scheduler/store/job-queues.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import type { Keys } from '../../scheduler/store/keys.ts';
import { QueueRegistry } from '../../scheduler/store/queue-registry.ts';
import { aJobRecord, aValidatedJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';
import { serve } from '../support/http-server.ts';
import { redisForFile } from '../support/redis-server.ts';

const redis = redisForFile(test);

interface Board {
  /** GET/POST as a caller with this role (none: no principal at all). */
  request(path: string, role?: Role, init?: RequestInit): Promise<Response>;
  queues: JobQueues;
  /** The board's key prefix, for a second registry (another process) on the same queue definitions. */
  keys: Keys;
}

/** The board over a registry seeded with `names`, behind a stub that takes the role from a header. */
async function startBoard(t: ExecutionContext, names: string[]): Promise<Board> {
  const prefix = `board-${Math.random().toString(36).slice(2)}:`;
  const keys = new JobStore(redis.client, { prefix }).keys;
  const queues = new JobQueues(redis.client, []);
  const registry = new QueueRegistry(redis.client, keys, queues, ['local']);
  await registry.seed(names.map((name) => QueueSchema.parse({ name })));
  const app = express().disable('x-powered-by'); // as createApp's
  app.use((req, res, next) => {
    const role = req.get('x-test-role') as Role | undefined;
    if (role) res.locals['principal'] = { id: `${role}-token`, role, tenant: 't' } satisfies Principal;
    next();
  });
  app.use(
    queueBoardRouter((basePath) => queueBoard({ queues, refresh: () => registry.refresh(), basePath })),
  );
  const server = await serve(app);
  t.teardown(async () => {
    await server.close();
    await queues.close();
  });
  return {
    queues,
    keys,
    request: (path, role, init = {}) =>
      fetch(server.url + path, { ...init, headers: { ...(role ? { 'x-test-role': role } : {}) } }),
  };
}

/** What the board's own API (which its page polls) lists: BullMQ queue name → counts. */
async function listedQueues(
  board: Board,
): Promise<Map<string, { waiting: number; description: string; readOnlyMode: boolean }>> {
  const response = await board.request(`${QUEUE_BOARD_PATH}/api/queues`, 'admin');
  const body = (await response.json()) as {
    queues: {
      name: string;
      description: string;
      readOnlyMode: boolean;
      counts: { waiting: number; prioritized?: number };
    }[];
  };
  return new Map(
    body.queues.map((queue) => [
      queue.name,
      {
        waiting: queue.counts.waiting + (queue.counts.prioritized ?? 0),
        description: queue.description,
        readOnlyMode: queue.readOnlyMode,
      },
    ]),
  );
}

test('an admin gets the board page, and its assets load under the route policy', async (t) => {
  const board = await startBoard(t, ['board-page']);

  const page = await board.request(`${QUEUE_BOARD_PATH}/`, 'admin');
  const html = await page.text();

  t.is(page.status, 200);
  t.regex(page.headers.get('content-type') ?? '', /^text\/html/);
  t.regex(html, new RegExp(`<base href="${QUEUE_BOARD_PATH}/"`));
  t.regex(page.headers.get('content-security-policy') ?? '', /script-src|default-src 'self'/);
  t.notRegex(page.headers.get('content-security-policy') ?? '', /script-src[^;]*unsafe-inline/);
  const scripts = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!);
  t.true(scripts.length > 0);
  for (const src of scripts) {
    const asset = await board.request(`${QUEUE_BOARD_PATH}/${src}`, 'admin');
    t.is(asset.status, 200, src);
    t.regex(asset.headers.get('content-type') ?? '', /javascript/, src);
  }
  t.is(page.headers.get('x-powered-by'), null);
});

test("the board's API lists every lane of every queue, with the jobs waiting in it", async (t) => {
  const board = await startBoard(t, ['board-a', 'board-b']);
  await board.queues.enqueue(
    aJobRecord({ id: 'board-job-1', spec: aValidatedJobSpec({ queue: 'board-a', resources: { gpus: 4 } }) }),
  );

  const listed = await listedQueues(board);

  t.deepEqual([...listed.keys()].filter((name) => name.startsWith('board-')).sort(), [
    'board-a',
    'board-a~g2',
    'board-a~g4',
    'board-a~g8',
    'board-a~gang',
    'board-b',
    'board-b~g2',
    'board-b~g4',
    'board-b~g8',
    'board-b~gang',
  ]);
  t.is(listed.get('board-a~g4')?.waiting, 1);
  t.is(listed.get('board-a')?.waiting, 0);
  t.is(listed.get('board-a~g4')?.description, 'job queue board-a, lane: 4-7 GPUs');
  t.true([...listed.values()].every((queue) => queue.readOnlyMode));
});

test('a queue created at run time, by another process, is on the board at the next request', async (t) => {
  const board = await startBoard(t, ['board-first']);
  t.false((await listedQueues(board)).has('board-later'));

  // Another API process creates it: same Redis, its own registry and BullMQ queues.
  const otherQueues = new JobQueues(redis.client, []);
  t.teardown(() => otherQueues.close());
  const other = new QueueRegistry(redis.client, board.keys, otherQueues, ['local']);
  t.true(await other.create(QueueSchema.parse({ name: 'board-later' })));

  const listed = await listedQueues(board);
  t.true(listed.has('board-later'));
  t.true(listed.has('board-later~gang'));
});

test('the board is read-only: pausing a queue or cleaning it is refused and changes nothing', async (t) => {
  const board = await startBoard(t, ['board-ro']);
  const queue = board.queues.bullQueues().find((q) => q.bullName === 'board-ro')!.queue;
  await board.queues.enqueue(
    aJobRecord({ id: 'board-job-2', spec: aValidatedJobSpec({ queue: 'board-ro' }) }),
  );

  const pause = await board.request(`${QUEUE_BOARD_PATH}/api/queues/board-ro/pause`, 'admin', {
    method: 'PUT',
  });
  const clean = await board.request(`${QUEUE_BOARD_PATH}/api/queues/board-ro/clean/waiting`, 'admin', {
    method: 'PUT',
  });

  t.is(pause.status, 405);
  t.is(clean.status, 405);
  t.false(await queue.isPaused());
  t.is(await queue.count(), 1);
});

test('a viewer or submitter gets 403 problem+json naming the role needed; no principal gets 401', async (t) => {
  const board = await startBoard(t, ['board-guard']);

  for (const role of ['viewer', 'submitter'] as const) {
    for (const path of [`${QUEUE_BOARD_PATH}/`, `${QUEUE_BOARD_PATH}/api/queues`]) {
      const response = await board.request(path, role);
      t.is(response.status, 403, `${role} ${path}`);
      t.is(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      const problem = (await response.json()) as { type: string; detail: string };
      t.is(problem.type, 'urn:gpubatch:problem:forbidden');
      t.regex(problem.detail, new RegExp(`needs the admin role; the token has ${role}`));
    }
  }
  const anonymous = await board.request(`${QUEUE_BOARD_PATH}/api/queues`);
  t.is(anonymous.status, 401);
  t.regex(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/);
});

test('createApp mounts the board it is given behind the admin check', async (t) => {
  let built: string | undefined;
  const api = await startApi(t, {
    queueBoard: (basePath) => {
      built = basePath;
      return (_req, res) => void res.send('board');
    },
  });

  t.is(built, QUEUE_BOARD_PATH);
  const response = await api.request(`${QUEUE_BOARD_PATH}/`, { token: null });
  t.is(response.status, 401, 'no token');
  t.is(response.contentType, 'application/problem+json; charset=utf-8');
  t.is((await api.request(`${QUEUE_BOARD_PATH}/`, { token: await api.tokenFor('viewer') })).status, 403);
  t.is((await api.request(`${QUEUE_BOARD_PATH}/`)).body, 'board', 'an admin token opens it');
  t.is((await (await startApi(t)).request(`${QUEUE_BOARD_PATH}/`)).status, 404, 'not there without one');
});
