// The resources the double serves: one table, so routing, Status messages and field selectors agree.
import type { ResourceName } from './status.ts';

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  // biome-ignore lint/suspicious/noExplicitAny: objects are free-form JSON, read field by field
  [field: string]: any;
};

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: unknown[];
}

export interface ResourceDef extends ResourceName {
  apiVersion: string;
  namespaced: boolean;
  /** Subresources whose writes touch only `status` (the main resource then ignores `status`). */
  hasStatus: boolean;
  /** Field selector keys the real API server accepts for this resource, and how to read them. */
  fields: Record<string, (o: KubeObject) => string | undefined>;
}

const metaFields = {
  'metadata.name': (o: KubeObject) => o.metadata.name,
  'metadata.namespace': (o: KubeObject) => o.metadata.namespace,
};

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));

export const resources: Record<string, ResourceDef> = {
  nodes: {
    plural: 'nodes',
    group: '',
    kind: 'Node',
    apiVersion: 'v1',
    namespaced: false,
    hasStatus: true,
    fields: {
      ...metaFields,
      'spec.unschedulable': (o) => str(o.spec?.unschedulable ?? false),
    },
  },
  pods: {
    plural: 'pods',
    group: '',
    kind: 'Pod',
    apiVersion: 'v1',
    namespaced: true,
    hasStatus: true,
    fields: {
      ...metaFields,
      'spec.nodeName': (o) => str(o.spec?.nodeName ?? ''),
      'spec.restartPolicy': (o) => str(o.spec?.restartPolicy),
      'spec.schedulerName': (o) => str(o.spec?.schedulerName),
      'spec.serviceAccountName': (o) => str(o.spec?.serviceAccountName),
      'status.phase': (o) => str(o.status?.phase),
      'status.podIP': (o) => str(o.status?.podIP ?? ''),
      'status.nominatedNodeName': (o) => str(o.status?.nominatedNodeName ?? ''),
    },
  },
  events: {
    plural: 'events',
    group: '',
    kind: 'Event',
    apiVersion: 'v1',
    namespaced: true,
    hasStatus: false,
    fields: {
      ...metaFields,
      'involvedObject.kind': (o) => str(o.involvedObject?.kind),
      'involvedObject.name': (o) => str(o.involvedObject?.name),
      'involvedObject.namespace': (o) => str(o.involvedObject?.namespace),
      'involvedObject.uid': (o) => str(o.involvedObject?.uid),
      reason: (o) => str(o.reason),
      type: (o) => str(o.type),
      'source.component': (o) => str(o.source?.component),
    },
  },
  leases: {
    plural: 'leases',
    group: 'coordination.k8s.io',
    kind: 'Lease',
    apiVersion: 'coordination.k8s.io/v1',
    namespaced: true,
    hasStatus: false,
    fields: { ...metaFields },
  },
};

export function resourceDef(plural: string): ResourceDef {
  const def = resources[plural];
  if (!def) throw new Error(`fake-kube serves no resource "${plural}"`);
  return def;
}
