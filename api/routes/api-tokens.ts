// POST /v1/admin/tokens creates a bearer token (the token is in this answer only), GET lists them
// (never a secret), DELETE /v1/admin/tokens/:id revokes one at once. Admin only (api/access-rules.ts).
import { Router } from 'express';
import type { ApiTokenRegistry, NewApiToken } from '../api-tokens.ts';
import { NotFoundError } from '../errors.ts';
import { requireJsonBody } from '../json-body.ts';
import { CreateApiTokenRequestSchema } from '../schemas/api-token.ts';
import { parseOrThrow } from '../validate.ts';

export function apiTokensRouter(tokens: ApiTokenRegistry): Router {
  const router = Router();
  router.post('/', requireJsonBody, async (req, res) => {
    const request = parseOrThrow(CreateApiTokenRequestSchema, req.body, 'body') as NewApiToken;
    const created = await tokens.create(request);
    res.status(201).set('Cache-Control', 'no-store').json(created);
  });
  router.get('/', async (_req, res) => {
    res.json({ tokens: await tokens.list() });
  });
  router.delete('/:id', async (req, res) => {
    const { id } = req.params as { id: string };
    const revoked = await tokens.revoke(id);
    if (!revoked) throw new NotFoundError(`no token with id "${id}"`);
    res.json(revoked);
  });
  return router;
}
