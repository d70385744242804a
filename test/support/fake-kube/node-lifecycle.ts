// What the control plane does about nodes, reduced to what an executor must react to:
// - NotReady: the node's Ready condition goes False/Unknown with the matching NoExecute taint, and
//   its pods get Ready=False (the node lifecycle controller's MarkPodsNotReady). Taint-based
//   eviction after tolerationSeconds is NOT simulated.
// - Deletion: like PodGC for pods of a node that no longer exists: each unfinished pod is first
//   marked Failed with a DisruptionTarget condition (reason DeletionByPodGC), then every pod bound
//   to the node is deleted at once (grace period 0).
import { type KubeObject, type ResourceDef, resources } from './resources.ts';
import { kubeTime, type ObjectStore } from './store.ts';

const pods = resources.pods as ResourceDef;
const nodes = resources.nodes as ResourceDef;

const taintKeys = { False: 'node.kubernetes.io/not-ready', Unknown: 'node.kubernetes.io/unreachable' };

export class NodeLifecycle {
  readonly #store: ObjectStore;
  readonly #unsubscribe: () => void;

  constructor(store: ObjectStore) {
    this.#store = store;
    this.#unsubscribe = store.subscribe((e) => {
      if (e.resource === 'nodes' && e.type === 'DELETED') {
        const name = e.object.metadata.name as string;
        setImmediate(() => this.#collectPodsOf(name));
      }
    });
  }

  stop(): void {
    this.#unsubscribe();
  }

  /**
   * Ready=False is a kubelet reporting trouble; Ready=Unknown (the default) is a kubelet that stopped
   * posting status. Either way its pods' status stops changing until the node is Ready again.
   */
  setReady(name: string, ready: boolean, status: 'False' | 'Unknown' = 'Unknown'): void {
    const now = kubeTime();
    this.#store.mutate(nodes, undefined, name, (node) => {
      node.status ??= {};
      const others = (node.status.conditions ?? []).filter((c: { type: string }) => c.type !== 'Ready');
      node.status.conditions = [
        ...others,
        ready
          ? {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            }
          : {
              type: 'Ready',
              status,
              reason: status === 'Unknown' ? 'NodeStatusUnknown' : 'KubeletNotReady',
              message:
                status === 'Unknown' ? 'Kubelet stopped posting node status.' : 'container runtime is down',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
      ];
      const taints = (node.spec?.taints ?? []).filter(
        (t: { key: string }) => !Object.values(taintKeys).includes(t.key),
      );
      if (!ready) taints.push({ key: taintKeys[status], effect: 'NoExecute', timeAdded: now });
      node.spec ??= {};
      if (taints.length > 0) node.spec.taints = taints;
      else delete node.spec.taints;
    });
    if (ready) return;
    for (const pod of this.#podsOf(name)) {
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      this.#store.mutate(pods, pod.metadata.namespace, pod.metadata.name as string, (p) => {
        const conditions = (p.status.conditions ?? []).filter((c: { type: string }) => c.type !== 'Ready');
        p.status.conditions = [...conditions, { type: 'Ready', status: 'False', lastTransitionTime: now }];
      });
    }
  }

  #podsOf(node: string): KubeObject[] {
    return this.#store.list(pods).filter((p) => p.spec.nodeName === node);
  }

  #collectPodsOf(node: string): void {
    if (this.#store.get(nodes, undefined, node)) return; // re-created in the meantime
    for (const pod of this.#podsOf(node)) {
      const ns = pod.metadata.namespace;
      const name = pod.metadata.name as string;
      if (pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
        this.#store.mutate(pods, ns, name, (p) => {
          p.status.phase = 'Failed';
          p.status.conditions = [
            ...(p.status.conditions ?? []).filter((c: { type: string }) => c.type !== 'DisruptionTarget'),
            {
              type: 'DisruptionTarget',
              status: 'True',
              reason: 'DeletionByPodGC',
              message: 'PodGC: node no longer exists',
              lastTransitionTime: kubeTime(),
            },
          ];
        });
      }
      this.#store.remove(pods, ns, name, { uid: pod.metadata.uid });
    }
  }
}
