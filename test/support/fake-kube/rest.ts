// The non-streaming REST verbs: get, list, create, update, patch, delete, deletecollection, binding.
import { randomBytes } from 'node:crypto';
import { applyPatch } from './patch.ts';
import { bindPod, deletePod, podDefaults } from './pods.ts';
import type { KubeObject, ResourceDef } from './resources.ts';
import type { Route } from './routes.ts';
import { fieldSelector, labelSelector } from './selectors.ts';
import { type KubeStatus, statuses, successStatus } from './status.ts';
import type { ObjectStore } from './store.ts';
import { validateMicroTimes, validateName, validatePodCreate, validatePodUpdate } from './validation.ts';

export interface RestRequest {
  method: string;
  route: Route;
  query: URLSearchParams;
  contentType: string;
  body: unknown;
}

export interface RestResponse {
  code: number;
  body: KubeObject | KubeStatus;
}

export function verbOf(method: string, route: Route, query: URLSearchParams): string {
  const collection = route.name === undefined && route.subresource === undefined;
  switch (method) {
    case 'GET':
      if (!collection) return 'get';
      return query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return collection ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

function asObject(body: unknown): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw statuses.badRequest('the request body must be a JSON object');
  }
  const o = body as KubeObject;
  o.metadata ??= {};
  return o;
}

function checkNamespace(route: Route, o: KubeObject): void {
  if (!route.def.namespaced) {
    delete o.metadata.namespace;
    return;
  }
  if (o.metadata.namespace && o.metadata.namespace !== route.namespace) {
    throw statuses.badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  o.metadata.namespace = route.namespace;
}

function generatedName(prefix: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(5);
  return prefix + [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

interface ContinueToken {
  rv: number;
  after: string;
}

function list(store: ObjectStore, route: Route, query: URLSearchParams): KubeObject {
  const { def } = route;
  const labels = labelSelector(query.get('labelSelector'));
  const fields = fieldSelector(def, query.get('fieldSelector'));
  let items = store.list(def, route.namespace).filter((o) => labels(o) && fields(o));
  const token = query.get('continue');
  if (token) {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as ContinueToken;
    if (parsed.rv < store.compactedResourceVersion) {
      throw statuses.gone('The provided continue parameter is too old to display a consistent list result.');
    }
    items = items.filter((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` > parsed.after);
  }
  const limit = Number(query.get('limit') ?? 0);
  const metadata: Record<string, unknown> = { resourceVersion: String(store.resourceVersion) };
  if (limit > 0 && items.length > limit) {
    const last = items[limit - 1] as KubeObject;
    const next: ContinueToken = {
      rv: store.resourceVersion,
      after: `${last.metadata.namespace ?? ''}/${last.metadata.name}`,
    };
    metadata.continue = Buffer.from(JSON.stringify(next)).toString('base64url');
    metadata.remainingItemCount = items.length - limit;
    items = items.slice(0, limit);
  }
  // Items of a list carry no kind/apiVersion on the wire; the list does.
  for (const o of items) {
    delete o.kind;
    delete o.apiVersion;
  }
  return { apiVersion: def.apiVersion, kind: `${def.kind}List`, metadata, items };
}

function create(store: ObjectStore, route: Route, body: unknown): KubeObject {
  const { def } = route;
  const o = asObject(body);
  checkNamespace(route, o);
  if (!o.metadata.name && o.metadata.generateName) o.metadata.name = generatedName(o.metadata.generateName);
  validateName(def, o);
  validateMicroTimes(def, o);
  if (def.plural === 'pods') {
    validatePodCreate(def, o);
    podDefaults(o);
  }
  return store.create(def, o);
}

/** What an update through the main resource or the status subresource may change. */
function merged(def: ResourceDef, current: KubeObject, next: KubeObject, subresource?: string): KubeObject {
  if (subresource === 'status') return { ...current, status: next.status };
  if (def.hasStatus) return { ...next, status: current.status };
  return next;
}

function write(store: ObjectStore, route: Route, current: KubeObject, next: KubeObject, expectedRv?: string) {
  const { def } = route;
  if (next.metadata.name !== current.metadata.name) {
    throw statuses.badRequest(
      `the name of the object (${next.metadata.name}) does not match the name on the URL (${current.metadata.name})`,
    );
  }
  const result = merged(def, current, next, route.subresource);
  validateMicroTimes(def, result);
  if (def.plural === 'pods') validatePodUpdate(def, current, result);
  return store.update(def, result, expectedRv);
}

function update(store: ObjectStore, route: Route, body: unknown): KubeObject {
  const o = asObject(body);
  checkNamespace(route, o);
  const current = store.mustGet(route.def, route.namespace, route.name as string);
  return write(store, route, current, o, o.metadata.resourceVersion);
}

function patch(store: ObjectStore, route: Route, contentType: string, body: unknown): KubeObject {
  const current = store.mustGet(route.def, route.namespace, route.name as string);
  const next = asObject(applyPatch(contentType, current, body));
  checkNamespace(route, next);
  // A patch that names a resourceVersion is a compare-and-set, like an update.
  if (next.metadata.resourceVersion !== current.metadata.resourceVersion) {
    throw statuses.modified(route.def, route.name as string);
  }
  return write(store, route, current, next);
}

interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

function deleteOptions(query: URLSearchParams, body: unknown): DeleteOptions {
  const options = (typeof body === 'object' && body !== null ? body : {}) as DeleteOptions;
  const fromQuery = query.get('gracePeriodSeconds');
  return {
    gracePeriodSeconds: fromQuery !== null ? Number(fromQuery) : options.gracePeriodSeconds,
    preconditions: options.preconditions,
  };
}

function remove(store: ObjectStore, route: Route, name: string, options: DeleteOptions): RestResponse {
  const { def } = route;
  if (def.plural === 'pods') {
    return { code: 200, body: deletePod(store, route.namespace as string, name, options) };
  }
  const gone = store.remove(def, route.namespace, name, options.preconditions);
  return {
    code: 200,
    body: successStatus(200, { name, group: def.group, kind: def.plural, ...{ uid: gone.metadata.uid } }),
  };
}

export function handleRest(store: ObjectStore, req: RestRequest): RestResponse {
  const { route, query } = req;
  const verb = verbOf(req.method, route, query);
  const name = route.name as string;
  if (route.subresource === 'binding') {
    if (verb !== 'create' || route.def.plural !== 'pods') throw statuses.methodNotAllowed(verb);
    bindPod(store, route.namespace as string, asObject(req.body), route.name);
    return { code: 201, body: successStatus(201) };
  }
  if (route.subresource !== undefined && route.subresource !== 'status') throw statuses.notFoundPath();
  if (route.subresource === 'status' && !route.def.hasStatus) throw statuses.notFoundPath();
  switch (verb) {
    case 'get':
      return { code: 200, body: store.mustGet(route.def, route.namespace, name) };
    case 'list':
      return { code: 200, body: list(store, route, query) };
    case 'create':
      if (route.name !== undefined) throw statuses.methodNotAllowed(verb);
      return { code: 201, body: create(store, route, req.body) };
    case 'update':
      return { code: 200, body: update(store, route, req.body) };
    case 'patch':
      return { code: 200, body: patch(store, route, req.contentType, req.body) };
    case 'delete':
      return remove(store, route, name, deleteOptions(query, req.body));
    case 'deletecollection': {
      const all = list(store, route, query).items as KubeObject[];
      const options = deleteOptions(query, req.body);
      for (const o of all)
        remove(store, { ...route, namespace: o.metadata.namespace }, o.metadata.name as string, options);
      return { code: 200, body: successStatus(200) };
    }
    default:
      throw statuses.methodNotAllowed(verb);
  }
}
