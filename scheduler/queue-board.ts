// bull-board over the job queues' BullMQ queues (one per size lane), for admins at /admin/queues
// (api/app.ts mounts it behind requireRole('admin')). Read-only: the job records are the truth, and a
// BullMQ job retried, promoted or removed behind the job service's back would disagree with its record.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { type Express, type RequestHandler, Router } from 'express';
import type { Lane } from './lanes.ts';
import type { JobQueues } from './store/job-queues.ts';

export interface QueueBoardOptions {
  queues: JobQueues;
  /** Loads queues created since (by this or another process) into `queues`; called before each request. */
  refresh?: () => Promise<unknown>;
  /** Where the board is mounted: its page loads its scripts and API relative to this. */
  basePath: string;
}

const LANE_NAMES: Record<Lane, string> = {
  '': 'up to 1 whole GPU',
  g2: '2-3 GPUs',
  g4: '4-7 GPUs',
  g8: '8+ GPUs',
  gang: 'gangs',
};

export function queueBoard(options: QueueBoardOptions): RequestHandler {
  const serverAdapter = new ExpressAdapter().setBasePath(options.basePath);
  const board = createBullBoard({
    queues: [],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'gpubatch queues' } },
  });
  const shown = new Set<string>();
  const showNewQueues = () => {
    for (const { bullName, jobQueue, lane, queue } of options.queues.bullQueues()) {
      if (shown.has(bullName)) continue;
      board.addQueue(
        new BullMQAdapter(queue, {
          readOnlyMode: true,
          allowRetries: false,
          description: `job queue ${jobQueue}, lane: ${LANE_NAMES[lane]}`,
        }),
      );
      shown.add(bullName);
    }
  };

  const app = serverAdapter.getRouter() as Express; // typed any by bull-board; it is an express()
  app.disable('x-powered-by'); // a sub-app has its own settings and would announce Express
  const router = Router();
  router.use(async (_req, _res, next) => {
    await options.refresh?.();
    showNewQueues();
    next();
  });
  router.use(app);
  return router;
}
