// Starts createApp over a FakeJobService on a real port, so tests exercise HTTP parsing end to end.
import type { ExecutionContext } from 'ava';
import { type AppOptions, createApp } from '../../api/app.ts';
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

export interface ApiHarness {
  url: string;
  jobs: FakeJobService;
  definitions: FakeJobDefinitions;
  /** Sends a request; a plain-object `json` is sent as application/json. */
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<ApiResponse>;
}

export async function startApi(
  t: ExecutionContext,
  options: Partial<AppOptions> & { jobs?: FakeJobService; definitions?: FakeJobDefinitions } = {},
): Promise<ApiHarness> {
  const jobs = options.jobs ?? new FakeJobService();
  const definitions = options.definitions ?? new FakeJobDefinitions();
  const server = await serve(createApp({ ...options, jobs, definitions }));
  t.teardown(() => server.close());
  return {
    url: server.url,
    jobs,
    definitions,
    async request(path, { json, ...init } = {}) {
      const headers = new Headers(init.headers);
      if (json !== undefined) headers.set('content-type', 'application/json');
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
  };
}
