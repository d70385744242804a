// Bearer-token authentication and role checks. Every /v1 route and /metrics (unless opened by config)
// go through `authenticate`; only the probes and the OpenAPI document are open. The caller found is
// res.locals.principal (api/principal.ts), which tenancy and rate limits read.
import type { Request, RequestHandler, Response } from 'express';
import { requiredRole, roleAllows } from './access-rules.ts';
import type { ApiTokenRegistry } from './api-tokens.ts';
import { type Principal, principalOf } from './principal.ts';
import { problem, sendProblem } from './problem.ts';

const REALM = 'Bearer realm="gpubatch"';

function unauthorized(res: Response, instance: string, detail: string, invalid: boolean): void {
  res.set('WWW-Authenticate', invalid ? `${REALM}, error="invalid_token"` : REALM);
  sendProblem(res, { ...problem(401, 'Unauthorized', detail), instance });
}

/** The token of an `Authorization: Bearer <token>` header; undefined when absent or another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

/** Who the request's bearer token says the caller is; undefined for none, an unknown or a revoked one. */
export async function principalOfRequest(
  tokens: ApiTokenRegistry,
  req: Request,
): Promise<Principal | undefined> {
  const token = bearerToken(req.get('authorization'));
  return token === undefined ? undefined : tokens.verify(token);
}

/** Sets res.locals.principal from a valid token, or answers 401. Runs before any body is read. */
export function authenticate(tokens: ApiTokenRegistry): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    if (token === undefined) {
      unauthorized(
        res,
        req.originalUrl,
        'send "Authorization: Bearer <token>"; an admin creates tokens with `gpubatch tokens create`',
        false,
      );
      return;
    }
    const principal = await tokens.verify(token);
    if (!principal) {
      unauthorized(res, req.originalUrl, 'the token is unknown or revoked', true);
      return;
    }
    res.locals['principal'] = principal;
    next();
  };
}

/** 403 unless the caller's role is at least the one access-rules.ts asks for this /v1 request. */
export const authorize: RequestHandler = (req, res, next) => {
  const principal = principalOf(res);
  const needed = requiredRole(req.method, req.path);
  if (principal && roleAllows(principal.role, needed.role)) return next();
  sendProblem(res, {
    ...problem(
      403,
      'Forbidden',
      `${needed.why} needs the ${needed.role} role; this token has ${principal ? `the ${principal.role} role` : 'no role'}`,
    ),
    instance: req.originalUrl,
  });
};
