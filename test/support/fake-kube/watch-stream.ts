// One watch connection: newline-delimited {type, object} JSON over a chunked 200 response, replayed
// from the store's history after the requested resourceVersion, then live; 410 Gone when that
// version is compacted; BOOKMARKs when asked for; closed after timeoutSeconds.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from './resources.ts';
import type { Route } from './routes.ts';
import { fieldSelector, labelSelector, type Matcher } from './selectors.ts';
import { statuses } from './status.ts';
import type { ObjectStore, StoreEvent } from './store.ts';

export interface OpenWatch {
  route: Route;
  /** Ends the response cleanly, as the API server does when a watch times out. */
  close(): void;
  /** Destroys the socket mid-stream, as a proxy or a crashed API server does. */
  reset(): void;
}

export interface WatchOptions {
  store: ObjectStore;
  route: Route;
  query: URLSearchParams;
  bookmarkIntervalMs: number;
  /** A fault made this watch start with 410 Gone. */
  forceGone: boolean;
  onOpen(watch: OpenWatch): void;
  onClose(watch: OpenWatch): void;
}

type Translated = 'ADDED' | 'MODIFIED' | 'DELETED' | undefined;

/** A MODIFIED event for an object entering or leaving the selection is sent as ADDED or DELETED. */
function translate(event: StoreEvent, matches: Matcher): Translated {
  const now = matches(event.object);
  if (event.type !== 'MODIFIED') return now ? event.type : undefined;
  const before = event.previous !== undefined && matches(event.previous);
  if (before && now) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

function goneStatus(rv: string, store: ObjectStore) {
  return statuses.gone(`too old resource version: ${rv} (${store.compactedResourceVersion})`).status;
}

export function serveWatch(req: IncomingMessage, res: ServerResponse, options: WatchOptions): void {
  const { store, route, query } = options;
  const { def } = route;
  const labels = labelSelector(query.get('labelSelector'));
  const fields = fieldSelector(def, query.get('fieldSelector'));
  const inScope = (o: KubeObject) =>
    route.namespace === undefined || o.metadata.namespace === route.namespace;
  const matches: Matcher = (o) => inScope(o) && labels(o) && fields(o);
  const rvParam = query.get('resourceVersion') ?? '';
  const fromRv = rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
  if (fromRv !== undefined && !Number.isInteger(fromRv)) {
    throw statuses.badRequest(`resourceVersion: Invalid value: "${rvParam}": must be an integer`);
  }

  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
  res.flushHeaders();
  const send = (type: string, object: unknown) => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };

  const replay = fromRv === undefined ? [] : store.eventsSince(fromRv);
  if (options.forceGone || replay === 'gone') {
    send('ERROR', goneStatus(rvParam, store));
    res.end();
    return;
  }

  // From "" or "0" a watch starts with the current state as synthetic ADDED events.
  if (fromRv === undefined) {
    for (const o of store.list(def)) if (matches(o)) send('ADDED', o);
  }
  const deliver = (e: StoreEvent) => {
    if (e.resource !== def.plural) return;
    const type = translate(e, matches);
    if (type) send(type, e.object);
  };
  for (const e of replay) deliver(e);
  const unsubscribe = store.subscribe(deliver);

  const bookmark = () =>
    send('BOOKMARK', {
      kind: def.kind,
      apiVersion: def.apiVersion,
      metadata: { resourceVersion: String(store.resourceVersion) },
    });
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  const bookmarkTimer = bookmarks ? setInterval(bookmark, options.bookmarkIntervalMs) : undefined;
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);
  const timeoutTimer =
    timeoutSeconds > 0
      ? setTimeout(() => {
          if (bookmarks) bookmark();
          res.end();
        }, timeoutSeconds * 1000)
      : undefined;

  const watch: OpenWatch = {
    route,
    close: () => res.end(),
    reset: () => req.socket.destroy(),
  };
  options.onOpen(watch);
  const cleanup = () => {
    unsubscribe();
    clearInterval(bookmarkTimer);
    clearTimeout(timeoutTimer);
    options.onClose(watch);
  };
  res.on('close', cleanup);
}
