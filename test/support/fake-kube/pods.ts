// Pod rules the API server applies itself: defaults on create, binding, graceful deletion.
import type { KubeObject, ResourceDef } from './resources.ts';
import { resources } from './resources.ts';
import { statuses } from './status.ts';
import { kubeTime, type ObjectStore } from './store.ts';

const pods = resources.pods as ResourceDef;

export function podDefaults(pod: KubeObject): KubeObject {
  pod.spec.restartPolicy ??= 'Always';
  pod.spec.terminationGracePeriodSeconds ??= 30;
  pod.spec.schedulerName ??= 'default-scheduler';
  pod.spec.dnsPolicy ??= 'ClusterFirst';
  pod.status = { phase: 'Pending', qosClass: qosClass(pod) };
  return pod;
}

function qosClass(pod: KubeObject): string {
  const containers: Array<{ resources?: { requests?: object; limits?: Record<string, string> } }> =
    pod.spec.containers ?? [];
  if (containers.every((c) => !c.resources?.requests && !c.resources?.limits)) return 'BestEffort';
  const guaranteed = containers.every((c) => {
    const limits = c.resources?.limits ?? {};
    const requests: Record<string, string> = { ...limits, ...(c.resources?.requests ?? {}) };
    return limits.cpu && limits.memory && requests.cpu === limits.cpu && requests.memory === limits.memory;
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** POST pods/{name}/binding: sets spec.nodeName once; a second binding is a 409 like the real one. */
export function bindPod(
  store: ObjectStore,
  namespace: string,
  body: KubeObject,
  nameFromPath?: string,
): void {
  const name = nameFromPath ?? body.metadata?.name;
  const node = body.target?.name;
  if (!name) throw statuses.badRequest('binding has no metadata.name');
  if (!node) throw statuses.invalid({ ...pods, kind: 'Binding' }, name, 'target.name: Required value');
  const pod = store.mustGet(pods, namespace, name);
  if (pod.metadata.deletionTimestamp) {
    throw statuses.conflict(pods, name, 'pod is being deleted, cannot be assigned to a host');
  }
  if (pod.spec.nodeName) {
    throw statuses.conflict(pods, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
  }
  pod.spec.nodeName = node;
  pod.status.conditions = [
    ...(pod.status.conditions ?? []).filter((c: { type: string }) => c.type !== 'PodScheduled'),
    { type: 'PodScheduled', status: 'True', lastTransitionTime: kubeTime() },
  ];
  store.update(pods, pod);
}

/**
 * DELETE of a pod. Pods that never reached a node or have already finished go at once; others get
 * deletionTimestamp and stay (Terminating) until their kubelet has stopped them and removes them.
 */
export function deletePod(
  store: ObjectStore,
  namespace: string,
  name: string,
  options: { gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string } },
): KubeObject {
  const pod = store.mustGet(pods, namespace, name);
  const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  const grace = options.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  if (!pod.spec.nodeName || finished || grace === 0) {
    return store.remove(pods, namespace, name, options.preconditions);
  }
  if (options.preconditions?.uid && options.preconditions.uid !== pod.metadata.uid) {
    return store.remove(pods, namespace, name, options.preconditions); // throws the precondition conflict
  }
  const already = pod.metadata.deletionGracePeriodSeconds;
  // A repeated delete may only shorten the grace period.
  if (already !== undefined && already <= grace) return pod;
  return store.mutate(pods, namespace, name, (p) => {
    p.metadata.deletionGracePeriodSeconds = grace;
    p.metadata.deletionTimestamp = kubeTime(Date.now() + grace * 1000);
  }) as KubeObject;
}
