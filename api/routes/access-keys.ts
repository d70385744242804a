// POST /v1/admin/access-keys creates an access key for the AWS-Batch-compatible endpoint (docs/aws-batch.md);
// DELETE /v1/admin/access-keys/:id revokes one.
// It sits behind the API's bearer token like every /v1 route; the secret is in this answer only.
import { Router } from 'express';
import type { AccessKeyRegistry } from '../aws/context.ts';
import { NotFoundError } from '../errors.ts';
import { requireJsonBody } from '../json-body.ts';
import { CreateAccessKeyRequestSchema } from '../schemas/access-key.ts';
import { parseOrThrow } from '../validate.ts';

export function accessKeysRouter(accessKeys: AccessKeyRegistry): Router {
  const router = Router();
  router.post('/', requireJsonBody, async (req, res) => {
    const { tenant, role } = parseOrThrow(CreateAccessKeyRequestSchema, req.body, 'body');
    const key = await accessKeys.create(tenant, role);
    res.status(201).set('Cache-Control', 'no-store').json(key);
  });
  router.delete('/:id', async (req, res) => {
    const { id } = req.params as { id: string };
    if (!(await accessKeys.delete(id))) throw new NotFoundError(`no access key with id "${id}"`);
    res.json({ accessKeyId: id, revoked: true });
  });
  return router;
}
