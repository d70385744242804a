// Which role a /v1 request needs: the one table of the API's authorization. Roles are ordered
// (viewer < submitter < admin), so a rule names the least role that may make the request.
// Tenancy (which jobs a caller sees) is decided elsewhere; this only says whether the call is allowed at all.
import type { Role } from './principal.ts';

const RANK: Record<Role, number> = { viewer: 0, submitter: 1, admin: 2 };

export function roleAllows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

interface Rule {
  /** Methods the rule covers; '*' any. */
  methods: readonly string[] | '*';
  /** Matched against the path below /v1 (e.g. "/queues/gpu"). */
  path: RegExp;
  role: Role;
  /** Said in the 403 answer. */
  why: string;
}

const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** First match wins. Anything not listed: reads need viewer, writes need submitter. */
const RULES: readonly Rule[] = [
  { methods: '*', path: /^\/admin(\/|$)/, role: 'admin', why: 'managing tokens and access keys' },
  { methods: WRITES, path: /^\/queues(\/|$)/, role: 'admin', why: 'creating or changing job queues' },
  {
    methods: WRITES,
    path: /^\/compute-environments(\/|$)/,
    role: 'admin',
    why: 'creating or changing compute environments',
  },
];

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface Requirement {
  role: Role;
  why: string;
}

/** The least role for `method path` (path relative to /v1). */
export function requiredRole(method: string, path: string): Requirement {
  const upper = method.toUpperCase();
  for (const rule of RULES) {
    if ((rule.methods === '*' || rule.methods.includes(upper)) && rule.path.test(path))
      return { role: rule.role, why: rule.why };
  }
  return READS.has(upper)
    ? { role: 'viewer', why: 'reading' }
    : { role: 'submitter', why: 'submitting or changing jobs and job definitions' };
}
