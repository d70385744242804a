// createApp on a real port with authentication on a real Redis token store (scheduler/store/api-tokens.ts),
// for integration tests: an admin token, and a fetch that sends it unless told otherwise.
import type { Redis } from 'ioredis';
import { type AppOptions, createApp } from '../../api/app.ts';
import type { Role } from '../../api/principal.ts';
import { ApiTokenStore } from '../../scheduler/store/api-tokens.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { type RunningServer, serve } from './http-server.ts';

export interface AuthedApi extends RunningServer {
  /** An admin token of tenant "default". */
  token: string;
  tokens: ApiTokenStore;
  /** fetch(url + path) with `Authorization: Bearer <token>` (init.headers may override or add). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A new token of `role` for `tenant` (default "default"). */
  tokenFor(role: Role, tenant?: string): Promise<string>;
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** An admin token in a real token store on `redis`, and the AuthOptions to hand to createApp. */
export async function redisAuth(redis: Redis, options: { metricsOpen?: boolean; prefix?: string } = {}) {
  const tokens = new ApiTokenStore(redis, options.prefix === undefined ? {} : { prefix: options.prefix });
  const { token } = await tokens.create({ role: 'admin', tenant: 'default', name: 'test admin' });
  return { tokens, token, auth: { tokens, metricsOpen: options.metricsOpen ?? false } };
}

/** The app on its own connection to the Redis at `redisUrl` (closed with the server). */
export async function serveAuthedApi(
  redisUrl: string,
  options: Omit<AppOptions, 'auth'> & { metricsOpen?: boolean },
): Promise<AuthedApi> {
  const { metricsOpen, ...appOptions } = options;
  const redis = connect(redisUrl, { name: 'test-auth' });
  const { tokens, token, auth } = await redisAuth(redis, { metricsOpen });
  const server = await serve(createApp({ ...appOptions, auth }));
  return {
    url: server.url,
    close: async () => {
      await server.close();
      redis.disconnect();
    },
    token,
    tokens,
    fetch: (path, init = {}) =>
      fetch(server.url + path, { ...init, headers: { ...bearer(token), ...headersOf(init.headers) } }),
    tokenFor: async (role, tenant = 'default') => (await tokens.create({ role, tenant })).token,
  };
}

function headersOf(headers: RequestInit['headers']): Record<string, string> {
  return Object.fromEntries(new Headers(headers).entries());
}
