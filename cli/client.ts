// A small HTTP client for the gpubatch API; failures become CliErrors with readable messages.
import type { Problem } from '../api/problem.ts';
import { type Connection, resolveConnection, tokenHint } from './connection.ts';
import { type CliContext, sleeperOf } from './context.ts';
import { CliError, EXIT, ServerUnreachableError } from './errors.ts';
import { type SseEvent, SseParser } from './sse.ts';

export interface ApiClient {
  readonly baseUrl: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
  /** GETs a text body and hands each decoded chunk to `onText` as it arrives (a followed log). */
  streamText(path: string, onText: (text: string) => void): Promise<void>;
  /**
   * GETs a Server-Sent Events stream and hands each event to `onEvent` until the server ends it or
   * `signal` aborts it (then it returns quietly). `lastEventId` resumes after that event; `onOpen` is
   * called once the server has accepted the request.
   */
  streamEvents(
    path: string,
    options: { lastEventId?: string; signal?: AbortSignal; onOpen?: () => void },
    onEvent: (event: SseEvent) => void,
  ): Promise<void>;
}

/** "Invalid request (400): resources.gpus: Too big ...", then one line per field error. */
export function formatProblem(problem: Partial<Problem>, status: number): string {
  const lines = [`${problem.title ?? 'Error'} (${status}): ${problem.detail ?? 'no detail given'}`];
  for (const { field, message } of problem.errors ?? []) lines.push(`  - ${field}: ${message}`);
  return lines.join('\n');
}

async function failure(response: Response, connection: Connection): Promise<CliError> {
  const exitCode = response.status < 500 ? EXIT.usage : EXIT.failure;
  const hint = response.status === 401 ? `\n${tokenHint(connection)}` : '';
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    if (typeof body.detail === 'string')
      return new CliError(formatProblem(body, response.status) + hint, exitCode);
  } catch {
    // Not JSON (a proxy's HTML page, say); fall through to the status line.
  }
  return new CliError(`server answered ${response.status} ${response.statusText}${hint}`, exitCode);
}

/** Tries after a 429 or 503 before giving up with the server's answer. */
const MAX_RETRIES = 3;
/** A Retry-After longer than this is not waited for: the answer is shown instead. */
const MAX_RETRY_AFTER_SECONDS = 30;

/**
 * How long to wait before trying a refused request again, or undefined to give up. A 429 did no work, so
 * any request is tried again; a 503 may have been applied (Redis went away mid-write), so only a read is.
 */
function retryAfterMs(response: Response, method: string, retries: number): number | undefined {
  if (retries >= MAX_RETRIES) return undefined;
  const retryable = response.status === 429 || (response.status === 503 && method === 'GET');
  if (!retryable) return undefined;
  const seconds = Number(response.headers.get('retry-after') ?? '1');
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_RETRY_AFTER_SECONDS) return undefined;
  return Math.max(1, seconds) * 1000;
}

export function apiClient(ctx: CliContext): ApiClient {
  const connection = resolveConnection(ctx);
  const baseUrl = connection.url;
  const token = connection.token;

  async function request(
    method: string,
    path: string,
    body: unknown,
    accept: string,
    extra: { headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...extra.headers, accept };
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    for (let retries = 0; ; retries++) {
      let response: Response;
      try {
        response = await ctx.fetch(baseUrl + path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          ...(extra.signal ? { signal: extra.signal } : {}),
        });
      } catch (error) {
        if (extra.signal?.aborted) throw error;
        throw new ServerUnreachableError(
          `cannot reach gpubatch at ${baseUrl}: is \`npm start\` running? set GPUBATCH_URL to point elsewhere`,
        );
      }
      if (response.ok) return response;
      const wait = retryAfterMs(response, method, retries);
      if (wait === undefined) throw await failure(response, connection);
      await response.body?.cancel();
      ctx.stderr.write(
        `gpubatch: the server answered ${response.status} (${response.status === 429 ? 'over the rate limit' : 'unavailable'}); trying again in ${wait / 1000} s\n`,
      );
      await sleeperOf(ctx)(wait);
    }
  }

  async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await request(method, path, body, 'application/json, application/problem+json');
    return (await response.json()) as T;
  }

  async function streamText(path: string, onText: (text: string) => void): Promise<void> {
    const response = await request('GET', path, undefined, 'text/plain, application/problem+json');
    if (!response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) onText(decoder.decode(chunk, { stream: true }));
    } catch {
      throw new ServerUnreachableError(`the connection to ${baseUrl} broke while streaming`);
    }
    const rest = decoder.decode();
    if (rest) onText(rest);
  }

  async function streamEvents(
    path: string,
    options: { lastEventId?: string; signal?: AbortSignal; onOpen?: () => void },
    onEvent: (event: SseEvent) => void,
  ): Promise<void> {
    const { lastEventId, signal } = options;
    const response = await request('GET', path, undefined, 'text/event-stream, application/problem+json', {
      headers: lastEventId ? { 'last-event-id': lastEventId } : {},
      ...(signal ? { signal } : {}),
    }).catch((error: unknown) => {
      if (signal?.aborted) return undefined;
      throw error;
    });
    if (!response?.body) return;
    options.onOpen?.();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    const chunks = response.body[Symbol.asyncIterator]();
    for (;;) {
      let chunk: IteratorResult<Uint8Array>;
      try {
        chunk = await chunks.next();
      } catch {
        if (signal?.aborted) return;
        throw new ServerUnreachableError(`the connection to ${baseUrl} broke while following events`);
      }
      if (chunk.done) return;
      for (const event of parser.push(decoder.decode(chunk.value, { stream: true }))) onEvent(event);
    }
  }

  return {
    baseUrl,
    get: (path) => send('GET', path),
    post: (path, body) => send('POST', path, body),
    patch: (path, body) => send('PATCH', path, body),
    put: (path, body) => send('PUT', path, body),
    delete: (path) => send('DELETE', path),
    streamText,
    streamEvents,
  };
}
