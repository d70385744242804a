// Every request the dashboard makes: JSON over fetch with the bearer token, and event streams read with
// fetch (so the token stays in a header) that reconnect with Last-Event-ID.
import { getToken } from './auth.js';
import { SseParser } from './sse.js';

/** The API root: the page lives at <root>/ui/, so this also works behind a path prefix. */
const ROOT = new URL('../', document.baseURI);

export class Unauthorized extends Error {}

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

/** Called when any request answers 401 (main.js shows the sign-in form). */
let onUnauthorized = () => {};
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

function url(path, query) {
  const target = new URL(path.replace(/^\//, ''), ROOT);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') target.searchParams.set(key, String(value));
  }
  return target;
}

function headers(extra) {
  const all = new Headers(extra);
  const token = getToken();
  if (token) all.set('authorization', `Bearer ${token}`);
  return all;
}

async function failure(response) {
  if (response.status === 401) {
    onUnauthorized();
    return new Unauthorized('the API needs a valid token');
  }
  let detail = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    detail = body.detail ?? body.title ?? detail;
  } catch {
    // not problem+json: keep the status line
  }
  return new ApiError(response.status, detail);
}

/** GET (or another method) returning parsed JSON; throws Unauthorized or ApiError. */
export async function getJson(path, query, init = {}) {
  const response = await fetch(url(path, query), {
    ...init,
    headers: headers({ accept: 'application/json', ...init.headers }),
  });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/** GET returning text (job logs). */
export async function getText(path, query) {
  const response = await fetch(url(path, query), { headers: headers({ accept: 'text/plain' }) });
  if (!response.ok) throw await failure(response);
  return response.text();
}

/**
 * Follows an SSE endpoint until close() is called: each event is passed to onEvent with its data parsed.
 * A dropped connection is reopened after a pause with Last-Event-ID, so nothing is missed or repeated.
 * onState receives 'on' | 'retrying' | 'off'.
 */
export function follow(path, query, onEvent, onState = () => {}) {
  const abort = new AbortController();
  let lastId;
  let closed = false;
  const run = async () => {
    for (let delay = 1000; !closed; delay = Math.min(delay * 2, 15_000)) {
      try {
        const extra = { accept: 'text/event-stream' };
        if (lastId) extra['last-event-id'] = lastId;
        const response = await fetch(url(path, query), { headers: headers(extra), signal: abort.signal });
        if (!response.ok) throw await failure(response);
        onState('on');
        delay = 1000;
        const parser = new SseParser();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const event of parser.push(value)) {
            if (event.id) lastId = event.id;
            let data;
            try {
              data = JSON.parse(event.data);
            } catch {
              data = event.data;
            }
            onEvent(event.event, data);
          }
        }
      } catch (error) {
        if (closed) return;
        // No token, or an API without event streams (404): trying again would not help.
        if (error instanceof Unauthorized || (error instanceof ApiError && error.status === 404)) {
          onState('off');
          return;
        }
      }
      if (closed) return;
      onState('retrying');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  };
  run();
  return () => {
    closed = true;
    abort.abort();
    onState('off');
  };
}
