// TEST DOUBLE: an in-process fake Kubernetes API server and fake kubelet, for testing code that
// talks to Kubernetes through the real @kubernetes/client-node from a kubeconfig. Not a Kubernetes
// implementation: see docs/testing-kubernetes.md for what it does and does not do.
import { randomBytes } from 'node:crypto';
import { kubeconfigFor } from './kubeconfig.ts';
import { FakeKubelet, type KubeletOptions } from './kubelet.ts';
import { NodeLifecycle } from './node-lifecycle.ts';
import { PodLogs } from './pod-logs.ts';
import { type KubeObject, resourceDef } from './resources.ts';
import { handleRest } from './rest.ts';
import { FakeApiServer } from './server.ts';
import { ObjectStore } from './store.ts';

export type { DropMode, RandomFaults, RequestInfo } from './faults.ts';
export { gpuNode, jobPod, type NodeShape } from './objects.ts';
export { type PodScript, scriptAnnotations, scriptAsAnnotations } from './pod-script.ts';
export type { KubeObject } from './resources.ts';

function until(store: ObjectStore, check: () => boolean, timeoutMs = 5000): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`fake-kube: condition not met within ${timeoutMs} ms`));
    }, timeoutMs);
    // Checked after the event is delivered, so watchers of the same change have seen it too.
    const stop = store.subscribe(() =>
      setImmediate(() => {
        if (check()) {
          clearTimeout(timer);
          stop();
          resolve();
        }
      }),
    );
  });
}

export interface FakeKubeOptions {
  /** Watch history kept for resuming watches; older resourceVersions get 410 Gone (default 10,000 events). */
  historyLimit?: number;
  /** How often watches with allowWatchBookmarks=true get a BOOKMARK (default 1000 ms). */
  bookmarkIntervalMs?: number;
  /** The fake kubelet's settings; `false` runs no kubelet (pods stay as the API leaves them). */
  kubelet?: KubeletOptions | false;
  namespace?: string;
}

export interface FakeKube {
  /** A kubeconfig (JSON, which is YAML) for `KubeConfig.loadFromString`. */
  kubeconfig: string;
  url: string;
  token: string;
  store: ObjectStore;
  logs: PodLogs;
  kubelet?: FakeKubelet;
  /** Fault injection: faults.set({ errorRate }), failNext, goneOnNextWatch, dropWatches(Every). */
  faults: FakeApiServer['faults'];
  /** Requests by verb and resource. */
  stats: FakeApiServer['stats'];
  /** Creates an object as a POST would (defaults, validation) but without a request, e.g. a test's nodes. */
  add(resource: string, object: KubeObject): KubeObject;
  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(resource: string, namespace?: string): KubeObject[];
  /** Node Ready condition and taints (see node-lifecycle.ts). */
  setNodeReady(name: string, ready: boolean, status?: 'False' | 'Unknown'): void;
  /** Deletes a node; its pods are failed and removed as PodGC does. */
  deleteNode(name: string): void;
  /** Like an etcd compaction: every watch from an older resourceVersion gets 410 Gone. */
  compact(): void;
  openWatches(resource?: string): number;
  /** TCP connections accepted so far. */
  connections(): number;
  /** Resolves once `check` holds, re-checked after every change in the store; rejects after `timeoutMs`. */
  until(check: () => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startFakeKube(options: FakeKubeOptions = {}): Promise<FakeKube> {
  const store = new ObjectStore(options.historyLimit ?? 10_000);
  const logs = new PodLogs();
  const token = randomBytes(16).toString('hex');
  const server = new FakeApiServer({
    store,
    logs,
    token,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
  });
  const url = await server.listen();
  const lifecycle = new NodeLifecycle(store);
  const kubelet = options.kubelet === false ? undefined : new FakeKubelet(store, logs, options.kubelet ?? {});
  return {
    kubeconfig: kubeconfigFor(url, token, options.namespace),
    url,
    token,
    store,
    logs,
    kubelet,
    faults: server.faults,
    stats: server.stats,
    add: (resource, object) => {
      const def = resourceDef(resource);
      const route = { def, namespace: def.namespaced ? (object.metadata.namespace ?? 'default') : undefined };
      const query = new URLSearchParams();
      return handleRest(store, {
        method: 'POST',
        route,
        query,
        contentType: 'application/json',
        body: structuredClone(object),
      }).body as KubeObject;
    },
    get: (resource, namespace, name) => store.get(resourceDef(resource), namespace, name),
    list: (resource, namespace) => store.list(resourceDef(resource), namespace),
    setNodeReady: (name, ready, status) => lifecycle.setReady(name, ready, status),
    deleteNode: (name) => {
      store.remove(resourceDef('nodes'), undefined, name);
    },
    compact: () => store.compact(),
    openWatches: (resource) => server.openWatches(resource),
    connections: () => server.connections,
    until: (check, timeoutMs) => until(store, check, timeoutMs),
    stop: async () => {
      kubelet?.stop();
      lifecycle.stop();
      await server.close();
    },
  };
}
