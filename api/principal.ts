// Who is calling: what an API token (or a SigV4 access key) resolves to. Routes read it from
// res.locals.principal, which the authentication middleware sets before any /v1 route runs.
import type { Response } from 'express';

/** admin: everything, every tenant. submitter: submit and act on its tenant's jobs. viewer: read only. */
export type Role = 'admin' | 'submitter' | 'viewer';

export const ROLES: readonly Role[] = ['admin', 'submitter', 'viewer'];

export interface Principal {
  /** The token's (or access key's) id: never the secret. Rate limits and logs use it. */
  id: string;
  role: Role;
  /** The tenant whose jobs, queues, logs and outputs this caller may see. Admins see every tenant. */
  tenant: string;
}

export function principalOf(res: Response): Principal | undefined {
  return res.locals['principal'] as Principal | undefined;
}
