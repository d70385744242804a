// Restricts a route to some roles: 401 when the request carries no identity, 403 when its role is not
// among them. The identity is what authentication put in res.locals.principal (api/principal.ts).
import type { RequestHandler } from 'express';
import { principalOf, type Role } from './principal.ts';
import { problem, sendProblem } from './problem.ts';

export function requireRole(...roles: [Role, ...Role[]]): RequestHandler {
  const allowed = roles.join(' or ');
  return (req, res, next) => {
    const principal = principalOf(res);
    if (!principal) {
      res.set('WWW-Authenticate', 'Bearer realm="gpubatch"');
      return sendProblem(res, {
        ...problem(
          401,
          'Unauthorized',
          `send "Authorization: Bearer <token>" for a token with the ${allowed} role`,
        ),
        instance: req.originalUrl,
      });
    }
    if (roles.includes(principal.role)) return next();
    sendProblem(res, {
      ...problem(403, 'Forbidden', `this needs the ${allowed} role; the token has ${principal.role}`),
      instance: req.originalUrl,
    });
  };
}
