// requireRole lets through only the roles it names; who the caller is comes from res.locals.principal,
// which authentication sets (a stub here).
import test, { type ExecutionContext } from 'ava';
import express from 'express';
import type { Role } from '../../api/principal.ts';
import { requireRole } from '../../api/require-role.ts';
import { serve } from '../support/http-server.ts';

async function guarded(t: ExecutionContext, ...roles: [Role, ...Role[]]) {
  const app = express();
  app.use((req, res, next) => {
    const role = req.get('x-test-role');
    if (role) res.locals['principal'] = { id: 'token-1', role, tenant: 'team-a' };
    next();
  });
  app.get('/thing', requireRole(...roles), (_req, res) => void res.json({ ok: true }));
  const server = await serve(app);
  t.teardown(() => server.close());
  return (role?: Role) =>
    fetch(`${server.url}/thing`, { headers: role ? { 'x-test-role': role } : {} }).then(async (r) => ({
      status: r.status,
      type: r.headers.get('content-type'),
      body: (await r.json()) as Record<string, unknown>,
    }));
}

test('the roles named pass, the others get 403 problem+json naming what is needed', async (t) => {
  const get = await guarded(t, 'admin', 'submitter');

  t.is((await get('admin')).status, 200);
  t.is((await get('submitter')).status, 200);
  const viewer = await get('viewer');
  t.is(viewer.status, 403);
  t.is(viewer.type, 'application/problem+json; charset=utf-8');
  t.like(viewer.body, {
    type: 'urn:gpubatch:problem:forbidden',
    title: 'Forbidden',
    status: 403,
    detail: 'this needs the admin or submitter role; the token has viewer',
    instance: '/thing',
  });
});

test('without a principal (no authentication ran, or it found no token) the answer is 401', async (t) => {
  const get = await guarded(t, 'admin');

  const anonymous = await get();

  t.is(anonymous.status, 401);
  t.like(anonymous.body, { type: 'urn:gpubatch:problem:unauthorized', status: 401 });
});
