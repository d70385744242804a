// The double's etcd: every write gets the next global resourceVersion and is appended to a bounded
// history that watches replay from; older versions are "compacted" and a watch from them gets 410.
import { randomUUID } from 'node:crypto';
import type { KubeObject, ResourceDef } from './resources.ts';
import { statuses } from './status.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  resource: string;
  resourceVersion: number;
  object: KubeObject;
  /** The object before this change (for MODIFIED), so selector watches can send ADDED/DELETED transitions. */
  previous?: KubeObject;
}

/** Kubernetes `Time`: RFC 3339, whole seconds. */
export function kubeTime(ms: number = Date.now()): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class ObjectStore {
  #rv = 0;
  #compactedRv = 0;
  readonly #historyLimit: number;
  readonly #history: StoreEvent[] = [];
  readonly #objects = new Map<string, Map<string, KubeObject>>();
  readonly #listeners = new Set<(e: StoreEvent) => void>();
  readonly #undelivered: StoreEvent[] = [];
  #delivering = false;

  constructor(historyLimit: number) {
    this.#historyLimit = historyLimit;
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  /** Watches from a resourceVersion older than this get 410 Gone. */
  get compactedResourceVersion(): number {
    return this.#compactedRv;
  }

  #table(resource: string): Map<string, KubeObject> {
    let t = this.#objects.get(resource);
    if (!t) {
      t = new Map();
      this.#objects.set(resource, t);
    }
    return t;
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.#table(def.plural).get(key(namespace, name));
    return o && structuredClone(o);
  }

  mustGet(def: ResourceDef, namespace: string | undefined, name: string): KubeObject {
    const o = this.get(def, namespace, name);
    if (!o) throw statuses.notFound(def, name);
    return o;
  }

  /** Sorted by namespace/name, as etcd returns keys. */
  list(def: ResourceDef, namespace?: string): KubeObject[] {
    const all = [...this.#table(def.plural).entries()]
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return all.map(([, o]) => structuredClone(o));
  }

  create(def: ResourceDef, object: KubeObject): KubeObject {
    const o = structuredClone(object);
    const table = this.#table(def.plural);
    const k = key(o.metadata.namespace, o.metadata.name as string);
    if (table.has(k)) throw statuses.alreadyExists(def, o.metadata.name as string);
    o.apiVersion = def.apiVersion;
    o.kind = def.kind;
    o.metadata.uid = randomUUID();
    o.metadata.creationTimestamp = kubeTime();
    o.metadata.generation = 1;
    delete o.metadata.deletionTimestamp;
    delete o.metadata.deletionGracePeriodSeconds;
    o.metadata.resourceVersion = String(++this.#rv);
    table.set(k, o);
    this.#emit({ type: 'ADDED', resource: def.plural, resourceVersion: this.#rv, object: o });
    return structuredClone(o);
  }

  /**
   * Replaces an object. `expectedRv` (the caller's metadata.resourceVersion) makes it a
   * compare-and-set: a stale one is 409 Conflict, as in the API server.
   */
  update(def: ResourceDef, object: KubeObject, expectedRv?: string, byServer = false): KubeObject {
    const table = this.#table(def.plural);
    const name = object.metadata.name as string;
    const k = key(object.metadata.namespace, name);
    const current = table.get(k);
    if (!current) throw statuses.notFound(def, name);
    if (expectedRv && expectedRv !== current.metadata.resourceVersion) throw statuses.modified(def, name);
    const o = structuredClone(object);
    o.apiVersion = def.apiVersion;
    o.kind = def.kind;
    // Identity and server-set fields cannot be changed by a client.
    o.metadata.uid = current.metadata.uid;
    o.metadata.creationTimestamp = current.metadata.creationTimestamp;
    if (!byServer) {
      o.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
      o.metadata.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
    }
    if (o.metadata.deletionTimestamp === undefined) delete o.metadata.deletionTimestamp;
    if (o.metadata.deletionGracePeriodSeconds === undefined) delete o.metadata.deletionGracePeriodSeconds;
    const specChanged = JSON.stringify(o.spec) !== JSON.stringify(current.spec);
    o.metadata.generation = (current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    if (
      JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: '' } }) ===
      JSON.stringify({ ...current, metadata: { ...current.metadata, resourceVersion: '' } })
    ) {
      // A no-op write keeps the resourceVersion and sends no event, like the API server.
      return structuredClone(current);
    }
    o.metadata.resourceVersion = String(++this.#rv);
    table.set(k, o);
    this.#emit({
      type: 'MODIFIED',
      resource: def.plural,
      resourceVersion: this.#rv,
      object: o,
      previous: current,
    });
    return structuredClone(o);
  }

  /** Read-modify-write for the double's own controllers (kubelet, node lifecycle); undefined if gone. */
  mutate(def: ResourceDef, namespace: string | undefined, name: string, change: (o: KubeObject) => void) {
    const current = this.get(def, namespace, name);
    if (!current) return undefined;
    change(current);
    return this.update(def, current, undefined, true);
  }

  remove(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    preconditions?: { uid?: string; resourceVersion?: string },
  ): KubeObject {
    const table = this.#table(def.plural);
    const k = key(namespace, name);
    const current = table.get(k);
    if (!current) throw statuses.notFound(def, name);
    if (preconditions?.uid && preconditions.uid !== current.metadata.uid) {
      throw statuses.conflict(
        def,
        name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`,
      );
    }
    if (
      preconditions?.resourceVersion &&
      preconditions.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw statuses.conflict(
        def,
        name,
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
      );
    }
    table.delete(k);
    const o = structuredClone(current);
    o.metadata.resourceVersion = String(++this.#rv);
    this.#emit({ type: 'DELETED', resource: def.plural, resourceVersion: this.#rv, object: o });
    return structuredClone(o);
  }

  /** Events after `rv`, or 'gone' when history no longer reaches back that far. */
  eventsSince(rv: number): StoreEvent[] | 'gone' {
    if (rv < this.#compactedRv) return 'gone';
    return this.#history.filter((e) => e.resourceVersion > rv);
  }

  /** Like an etcd compaction: every resourceVersion before now becomes too old to watch from. */
  compact(): void {
    this.#history.length = 0;
    this.#compactedRv = this.#rv;
  }

  subscribe(listener: (e: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: StoreEvent): void {
    this.#history.push(event);
    if (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.shift() as StoreEvent;
      this.#compactedRv = dropped.resourceVersion;
    }
    // A listener that writes (the kubelet) must not let its event overtake this one on a watch.
    this.#undelivered.push(event);
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      for (let e = this.#undelivered.shift(); e; e = this.#undelivered.shift()) {
        for (const l of [...this.#listeners]) l(e);
      }
    } finally {
      this.#delivering = false;
    }
  }
}
