// Who is calling, for tenancy: the principal the authentication middleware set (api/principal.ts).
import type { RequestHandler, Response } from 'express';
import { DEFAULT_TENANT } from '../../scheduler/tenant.ts';
import { ApiError } from '../errors.ts';
import { type Principal, principalOf } from '../principal.ts';

/**
 * The caller of this request. TRANSITIONAL: until token authentication sets a principal on every
 * request, a request without one is an admin of the default tenant (what every caller was before
 * tenancy). When authentication always runs, make a missing principal an error here: this is the one
 * place that decides.
 */
export function callerOf(res: Response): Principal {
  return principalOf(res) ?? { id: 'anonymous', role: 'admin', tenant: DEFAULT_TENANT };
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
