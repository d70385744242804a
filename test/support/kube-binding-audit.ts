// Watches every pod the fake API holds and records what must never happen: two live pods on the same
// GPU of a node, more nvidia.com/gpu requested on a node than it has, a pod the kubelet refused, or a
// job with more than one pod that actually ran (started twice).
import type { FakeKube } from './fake-kube/index.ts';
import type { KubeObject } from './fake-kube/resources.ts';

interface LivePod {
  node: string;
  gpuIndices: number[];
  gpus: number;
}

export interface BindingAudit {
  violations: string[];
  /** Pods that reached Running (or ended after running), per job id. */
  ranByJob: Map<string, Set<string>>;
  /** Most GPUs in use at once on any node (to show the pool was really packed). */
  peakGpusInUse: number;
  stop(): void;
}

export function auditBindings(kube: FakeKube): BindingAudit {
  const live = new Map<string, LivePod>();
  const audit: BindingAudit = {
    violations: [],
    ranByJob: new Map(),
    peakGpusInUse: 0,
    stop: () => undefined,
  };
  const allocatable = (node: string) =>
    Number(kube.get('nodes', undefined, node)?.status?.allocatable?.['nvidia.com/gpu'] ?? 0);
  audit.stop = kube.store.subscribe((event) => {
    if (event.resource !== 'pods') return;
    const pod = event.object as KubeObject;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const phase = pod.status?.phase;
    if (typeof pod.status?.reason === 'string' && pod.status.reason.startsWith('OutOf'))
      audit.violations.push(`${key} refused by the kubelet: ${pod.status.message}`);
    const ran = (pod.status?.containerStatuses ?? []).some(
      (c: { state?: { running?: unknown; terminated?: unknown } }) => c.state?.running || c.state?.terminated,
    );
    const job = pod.metadata.labels?.['gpubatch.io/job'];
    if (ran && job) {
      const pods = audit.ranByJob.get(job) ?? new Set<string>();
      pods.add(pod.metadata.name as string);
      audit.ranByJob.set(job, pods);
    }
    const node = pod.spec?.nodeName as string | undefined;
    if (event.type === 'DELETED' || !node || phase === 'Succeeded' || phase === 'Failed') {
      live.delete(key);
      return;
    }
    if (live.has(key)) return;
    const gpuIndices = String(pod.metadata.annotations?.['gpubatch.io/gpu-indices'] ?? '')
      .split(',')
      .filter(Boolean)
      .map(Number);
    const gpus = Number(pod.spec.containers[0]?.resources?.requests?.['nvidia.com/gpu'] ?? 0);
    const onNode = [...live.values()].filter((p) => p.node === node);
    const taken = new Set(onNode.flatMap((p) => p.gpuIndices));
    const clash = gpuIndices.filter((index) => taken.has(index));
    if (clash.length > 0)
      audit.violations.push(`${key} on ${node} shares GPU ${clash.join(',')} with a live pod`);
    const requested = onNode.reduce((sum, p) => sum + p.gpus, 0) + gpus;
    if (requested > allocatable(node))
      audit.violations.push(
        `${key} on ${node}: ${requested} nvidia.com/gpu requested of ${allocatable(node)}`,
      );
    live.set(key, { node, gpuIndices, gpus });
    audit.peakGpusInUse = Math.max(audit.peakGpusInUse, requested);
  });
  return audit;
}
