// /admin/queues: the BullMQ queue board (scheduler/queue-board.ts), for admins only.
import { type RequestHandler, Router } from 'express';
import { contentSecurityPolicy } from './hardening/content-security-policy.ts';
import { requireRole } from './require-role.ts';

export const QUEUE_BOARD_PATH = '/admin/queues';

/** Builds the board for the path it is served at (its page loads its scripts and API relative to it). */
export type QueueBoardFactory = (basePath: string) => RequestHandler;

/**
 * bull-board's page has inline styles (its loading indicator) and links a web font from Google, so this
 * route gets its own policy: styles may be inline; everything else, fonts included, only from here
 * (the font falls back to a local one). Its scripts are files, so scripts stay 'self' only.
 */
export const QUEUE_BOARD_CSP = contentSecurityPolicy({
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  // Its page sets <base href> to where the board is mounted.
  'base-uri': ["'self'"],
});

export function queueBoardRouter(board: QueueBoardFactory): Router {
  const router = Router();
  router.use(
    QUEUE_BOARD_PATH,
    (_req, res, next) => {
      res.set('Content-Security-Policy', QUEUE_BOARD_CSP);
      next();
    },
    requireRole('admin'),
    board(QUEUE_BOARD_PATH),
  );
  return router;
}
