// Starts createApp over a FakeJobService on a real port, so tests exercise HTTP parsing end to end.
// Auth is always on: the harness holds an admin token and sends it unless a request says otherwise
// (`token: <another>` or `token: null` for none); `as(token)` makes every request of a view use another one.
import type { ExecutionContext } from 'ava';
import { type AppOptions, createApp } from '../../api/app.ts';
import type { Role } from '../../api/principal.ts';
import { FakeApiTokens } from './fake-api-tokens.ts';
import { FakeJobDefinitions } from './fake-job-definitions.ts';
import { FakeJobService } from './fake-job-service.ts';
import { serve } from './http-server.ts';

export interface ApiResponse {
  status: number;
  contentType: string;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON bodies
  body: any;
}

export type ApiRequestInit = RequestInit & {
  json?: unknown;
  /** Bearer token for this request: default the harness's (admin, or the one given to `as`); null sends none. */
  token?: string | null;
};

export interface ApiHarness {
  url: string;
  jobs: FakeJobService;
  definitions: FakeJobDefinitions;
  tokens: FakeApiTokens;
  /** The token requests carry by default (an admin token of tenant "default" unless `as` chose another). */
  token: string;
  /** GPUBATCH_URL and GPUBATCH_TOKEN for the CLI (test/support/cli-harness.ts) against this API. */
  env: { GPUBATCH_URL: string; GPUBATCH_TOKEN: string };
  /** Sends a request; a plain-object `json` is sent as application/json. */
  request(path: string, init?: ApiRequestInit): Promise<ApiResponse>;
  /** The same API, called with another token. */
  as(token: string): ApiHarness;
  /** A new token of `role` for `tenant` (default "default"). */
  tokenFor(role: Role, tenant?: string): Promise<string>;
}

export async function startApi(
  t: ExecutionContext,
  options: Partial<AppOptions> & {
    jobs?: FakeJobService;
    definitions?: FakeJobDefinitions;
    tokens?: FakeApiTokens;
    metricsOpen?: boolean;
  } = {},
): Promise<ApiHarness> {
  const jobs = options.jobs ?? new FakeJobService();
  const definitions = options.definitions ?? new FakeJobDefinitions();
  const tokens = options.tokens ?? new FakeApiTokens();
  const { metricsOpen, ...appOptions } = options;
  const server = await serve(
    createApp({ ...appOptions, jobs, definitions, auth: { tokens, metricsOpen: metricsOpen ?? false } }),
  );
  t.teardown(() => server.close());
  const adminToken = await tokens.tokenFor('admin');

  const harnessFor = (token: string): ApiHarness => ({
    url: server.url,
    jobs,
    definitions,
    tokens,
    token,
    env: { GPUBATCH_URL: server.url, GPUBATCH_TOKEN: token },
    as: harnessFor,
    tokenFor: (role, tenant) => tokens.tokenFor(role, tenant),
    async request(path, { json, token: requestToken, ...init } = {}) {
      const headers = new Headers(init.headers);
      if (json !== undefined) headers.set('content-type', 'application/json');
      const bearer = requestToken === undefined ? token : requestToken;
      if (bearer !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${bearer}`);
      const response = await fetch(server.url + path, {
        ...init,
        headers,
        body: json === undefined ? init.body : JSON.stringify(json),
      });
      const text = await response.text();
      const contentType = response.headers.get('content-type') ?? '';
      return {
        status: response.status,
        contentType,
        headers: response.headers,
        body: contentType.includes('json') && text ? JSON.parse(text) : text,
      };
    },
  });
  return harnessFor(adminToken);
}
