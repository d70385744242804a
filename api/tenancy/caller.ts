// Who is calling, for tenancy: the principal the authentication middleware set (api/principal.ts).
import type { RequestHandler, Response } from 'express';
import { ApiError } from '../errors.ts';
import { type Principal, principalOf } from '../principal.ts';

/**
 * The caller of this request. Every /v1 request is authenticated before any route runs (api/auth.ts, or
 * SigV4 on the AWS paths), so a missing principal is a wiring bug: it fails (500) rather than guess a role.
 */
export function callerOf(res: Response): Principal {
  const principal = principalOf(res);
  if (!principal)
    throw new Error('no principal on an authenticated route: the authentication middleware did not run');
  return principal;
}

/** Admins see and act on every tenant's jobs. */
export function isAdmin(caller: Pick<Principal, 'role'>): boolean {
  return caller.role === 'admin';
}

/** For routes only admins may use (tenants' settings): anyone else gets a 403. */
export const requireAdmin: RequestHandler = (_req, res, next) => {
  if (isAdmin(callerOf(res))) return next();
  next(new ApiError(403, 'Forbidden', 'only an admin may do this'));
};
