// Offline structural validation of Kubernetes objects against the models @kubernetes/client-node generates
// from the Kubernetes OpenAPI document: every field name must exist on its type, and every value must have
// that field's type (string, number, boolean, object of a named type, list, map, int-or-string), all the
// way down. The models carry no required fields or enums, so those that matter for the manifests are
// listed here (REQUIRED, ENUMS) and the rest is left to a real API server.
import * as k8s from '@kubernetes/client-node';

interface AttributeType {
  baseName: string;
  type: string;
}

type Model = { getAttributeTypeMap(): AttributeType[] };

const models = k8s as unknown as Record<string, Model | undefined>;

/** The model class for apiVersion + kind: `apps/v1` Deployment is V1Deployment, `policy/v1` PDB V1PodDisruptionBudget. */
export function modelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').pop() ?? '';
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

/** Fields the API server requires, by JSON path from the object (`[]` walks a list). */
const REQUIRED: Record<string, string[]> = {
  '*': ['apiVersion', 'kind', 'metadata.name'],
  Deployment: [
    'spec.selector',
    'spec.template.spec.containers[].name',
    'spec.template.spec.containers[].image',
  ],
  StatefulSet: [
    'spec.selector',
    'spec.template.spec.containers[].name',
    'spec.template.spec.containers[].image',
  ],
  Service: ['spec.ports[].port'],
  Role: ['rules[].verbs'],
  ClusterRole: ['rules[].verbs'],
  RoleBinding: ['roleRef.kind', 'roleRef.name', 'subjects[].kind', 'subjects[].name'],
  ClusterRoleBinding: ['roleRef.kind', 'roleRef.name', 'subjects[].kind', 'subjects[].name'],
  NetworkPolicy: ['spec.podSelector'],
};

/** Closed value sets (enums) of the fields used here, by model and field; the models do not carry them. */
const ENUMS: Record<string, string[]> = {
  'V1Container.imagePullPolicy': ['Always', 'IfNotPresent', 'Never'],
  'V1ContainerPort.protocol': ['TCP', 'UDP', 'SCTP'],
  'V1ServicePort.protocol': ['TCP', 'UDP', 'SCTP'],
  'V1NetworkPolicyPort.protocol': ['TCP', 'UDP', 'SCTP'],
  'V1NetworkPolicySpec.policyTypes': ['Ingress', 'Egress'],
  'V1LabelSelectorRequirement.operator': ['In', 'NotIn', 'Exists', 'DoesNotExist'],
  'V1Toleration.operator': ['Exists', 'Equal'],
  'V1Toleration.effect': ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
  'V1SeccompProfile.type': ['RuntimeDefault', 'Localhost', 'Unconfined'],
  'V1DeploymentStrategy.type': ['RollingUpdate', 'Recreate'],
  'V1PersistentVolumeClaimSpec.accessModes': [
    'ReadWriteOnce',
    'ReadOnlyMany',
    'ReadWriteMany',
    'ReadWriteOncePod',
  ],
  'V1ServiceSpec.type': ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'],
  'V1PodSpec.restartPolicy': ['Always', 'OnFailure', 'Never'],
};

/** Problems with a value that should have the given client-node model type (e.g. `Array<V1Toleration>`). */
export function validateAs(value: unknown, type: string, path: string): string[] {
  const problems: string[] = [];
  check(value, type, path, problems);
  return problems;
}

/** Problems with one object, each naming its path; empty when it conforms. */
export function validateKubeObject(object: Record<string, unknown>): string[] {
  const { apiVersion, kind } = object as { apiVersion?: string; kind?: string };
  const where = `${kind}/${(object.metadata as { name?: string } | undefined)?.name}`;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string')
    return [`${where}: apiVersion and kind are required`];
  const name = modelName(apiVersion, kind);
  if (!models[name]?.getAttributeTypeMap) return [`${where}: no model ${name} for ${apiVersion} ${kind}`];
  const problems: string[] = [];
  check(object, name, where, problems);
  for (const path of [...REQUIRED['*']!, ...(REQUIRED[kind] ?? [])]) {
    for (const missing of missingAt(object, path.split('.'), ''))
      problems.push(`${where}: ${missing} is required`);
  }
  return problems;
}

function check(value: unknown, type: string, path: string, problems: string[]): void {
  const describe = (expected: string): void => {
    problems.push(`${path}: expected ${expected}, got ${JSON.stringify(value)}`);
  };
  if (type === 'any') return;
  if (type === 'string' || type === 'Date') {
    if (typeof value !== 'string' && !isQuantity(path, value)) describe('a string');
    return;
  }
  if (type === 'number') {
    if (typeof value !== 'number') describe('a number');
    return;
  }
  if (type === 'boolean') {
    if (typeof value !== 'boolean') describe('a boolean');
    return;
  }
  if (type === 'IntOrString') {
    if (typeof value !== 'string' && !Number.isInteger(value)) describe('an integer or a string');
    return;
  }
  const list = /^Array<(.+)>$/.exec(type);
  if (list) {
    if (!Array.isArray(value)) {
      describe('a list');
      return;
    }
    for (const [i, item] of value.entries()) check(item, list[1]!, `${path}[${i}]`, problems);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (!isPlainObject(value)) {
      describe('a map');
      return;
    }
    for (const [key, item] of Object.entries(value)) check(item, map[1]!, `${path}.${key}`, problems);
    return;
  }
  const model = models[type];
  if (!model?.getAttributeTypeMap) {
    problems.push(`${path}: unknown type ${type}`);
    return;
  }
  if (!isPlainObject(value)) {
    describe(`an object (${type})`);
    return;
  }
  const fields = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [key, item] of Object.entries(value)) {
    const fieldType = fields.get(key);
    if (fieldType === undefined) problems.push(`${path}.${key}: unknown field of ${type}`);
    else if (item !== null) check(item, fieldType, `${path}.${key}`, problems);
    const allowed = ENUMS[`${type}.${key}`];
    for (const one of allowed ? [item].flat() : []) {
      if (!allowed!.includes(one as string))
        problems.push(`${path}.${key}: "${one}" is not one of ${allowed!.join(', ')}`);
    }
  }
}

/** Resource quantities are strings in the models; the API also takes plain numbers (`cpu: 2`). */
function isQuantity(path: string, value: unknown): boolean {
  return typeof value === 'number' && /\.(requests|limits|capacity|allocatable)\.[^.]+$/.test(path);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function missingAt(value: unknown, segments: string[], path: string): string[] {
  if (segments.length === 0) return value === undefined || value === null ? [path] : [];
  const [head, ...rest] = segments as [string, ...string[]];
  const listField = head.endsWith('[]') ? head.slice(0, -2) : undefined;
  const key = listField ?? head;
  const here = path ? `${path}.${key}` : key;
  const next = isPlainObject(value) ? value[key] : undefined;
  if (listField === undefined) return missingAt(next, rest, here);
  if (!Array.isArray(next)) return [here];
  return next.flatMap((item, i) => missingAt(item, rest, `${here}[${i}]`));
}
