// The HTTP front of the double: bearer-token auth, fault injection, request counting, then the
// REST verbs, watches and pod logs. Plain HTTP on 127.0.0.1, ephemeral port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DropMode, Faults, type RequestInfo } from './faults.ts';
import type { PodLogs } from './pod-logs.ts';
import { RequestStats } from './request-stats.ts';
import { handleRest, verbOf } from './rest.ts';
import { type Route, route } from './routes.ts';
import { KubeError, statuses } from './status.ts';
import type { ObjectStore } from './store.ts';
import { type OpenWatch, serveWatch } from './watch-stream.ts';

export interface ApiServerOptions {
  store: ObjectStore;
  logs: PodLogs;
  token: string;
  bookmarkIntervalMs: number;
}

export class FakeApiServer {
  readonly stats = new RequestStats();
  readonly faults: Faults;
  readonly #watches = new Set<OpenWatch>();
  readonly #options: ApiServerOptions;
  readonly #server: Server;
  #connections = 0;

  constructor(options: ApiServerOptions) {
    this.#options = options;
    this.faults = new Faults((mode, only) => this.#dropWatches(mode, only));
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err) => this.#fail(res, err));
    });
    this.#server.on('connection', () => this.#connections++);
  }

  /** TCP connections accepted so far (client-node 2.x opens a new one per request over TLS-skip/HTTPS). */
  get connections(): number {
    return this.#connections;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Open watches right now (per resource plural when given). */
  openWatches(resource?: string): number {
    return [...this.#watches].filter((w) => !resource || w.route.def.plural === resource).length;
  }

  async close(): Promise<void> {
    this.faults.reset();
    for (const w of this.#watches) w.reset();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #dropWatches(mode: DropMode, only?: (r: RequestInfo) => boolean): number {
    let n = 0;
    for (const w of [...this.#watches]) {
      const info = { verb: 'watch', resource: w.route.def.plural, namespace: w.route.namespace };
      if (only && !only(info)) continue;
      this.#watches.delete(w);
      if (mode === 'close') w.close();
      else w.reset();
      n++;
    }
    return n;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-kube');
    if (req.headers.authorization !== `Bearer ${this.#options.token}`) throw statuses.unauthorized();
    const r = route(url.pathname);
    if (!r) throw statuses.notFoundPath();
    const verb = verbOf(req.method ?? 'GET', r, url.searchParams);
    const info: RequestInfo & { resource: string } = {
      verb,
      resource: r.subresource ? `${r.def.plural}/${r.subresource}` : r.def.plural,
      namespace: r.namespace,
      name: r.name,
    };
    // Counted on arrival (a watch may stay open for the whole test); the code is filled in at the end.
    const record = this.stats.record({
      ...info,
      labelSelector: url.searchParams.get('labelSelector') ?? undefined,
      fieldSelector: url.searchParams.get('fieldSelector') ?? undefined,
      code: 0,
      injected: false,
    });
    res.on('close', () => {
      record.code = res.statusCode;
      record.injected = res.getHeader('x-fake-kube-injected') === 'true';
    });

    const latency = this.faults.latencyFor(info);
    if (latency > 0) await sleep(latency);
    const failure = this.faults.failureFor(info);
    if (failure) {
      res.setHeader('x-fake-kube-injected', 'true');
      if (failure.retryAfterSeconds !== undefined)
        res.setHeader('retry-after', String(failure.retryAfterSeconds));
      throw statuses.injected(failure.code, failure.retryAfterSeconds);
    }
    if (verb === 'watch') return this.#watch(req, res, r, url, info);
    if (r.subresource === 'log' && verb === 'get') {
      const pod = this.#options.store.mustGet(r.def, r.namespace, r.name as string);
      return this.#options.logs.serve(pod, url.searchParams, res);
    }
    const body = await readBody(req);
    const out = handleRest(this.#options.store, {
      method: req.method ?? 'GET',
      route: r,
      query: url.searchParams,
      contentType: req.headers['content-type'] ?? 'application/json',
      body,
    });
    send(res, out.code, out.body);
  }

  #watch(req: IncomingMessage, res: ServerResponse, r: Route, url: URL, info: RequestInfo): void {
    const gone = this.faults.goneFor(info);
    if (gone?.http) throw statuses.gone('too old resource version (injected)');
    serveWatch(req, res, {
      store: this.#options.store,
      route: r,
      query: url.searchParams,
      bookmarkIntervalMs: this.#options.bookmarkIntervalMs,
      forceGone: gone !== undefined,
      onOpen: (w) => this.#watches.add(w),
      onClose: (w) => this.#watches.delete(w),
    });
  }

  #fail(res: ServerResponse, err: unknown): void {
    const status =
      err instanceof KubeError ? err.status : new KubeError(500, 'InternalError', String(err)).status;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    send(res, status.code, status);
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw statuses.badRequest('the request body is not valid JSON');
  }
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
