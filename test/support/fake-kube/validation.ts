// The API server's checks that client code can trip over: names, MicroTime format, pod spec rules.
import type { KubeObject, ResourceDef } from './resources.ts';
import { KubeError, statuses } from './status.ts';

const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const microTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

export function validateName(def: ResourceDef, o: KubeObject): void {
  const name = o.metadata.name ?? '';
  if (!name)
    throw statuses.invalid(def, '', 'metadata.name: Required value: name or generateName is required');
  if (name.length > 253 || !subdomain.test(name)) {
    throw statuses.invalid(
      def,
      name,
      `metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
    );
  }
}

/**
 * MicroTime fields must carry exactly six fractional digits: the API server rejects
 * `Date#toISOString()` (three digits) while decoding, before validation; client-node's
 * V1MicroTime class pads them.
 */
function checkMicroTime(def: ResourceDef, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string' || !microTime.test(value)) {
    throw new KubeError(
      400,
      'BadRequest',
      `${def.kind} in version "v1" cannot be handled as a ${def.kind}: parsing time "${String(value)}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse as ".000000"`,
    );
  }
}

export function validateMicroTimes(def: ResourceDef, o: KubeObject): void {
  if (def.plural === 'leases') {
    checkMicroTime(def, o.spec?.acquireTime);
    checkMicroTime(def, o.spec?.renewTime);
  }
  if (def.plural === 'events') checkMicroTime(def, o.eventTime);
}

export function validatePodCreate(def: ResourceDef, pod: KubeObject): void {
  const containers = pod.spec?.containers;
  const name = pod.metadata.name ?? '';
  if (!Array.isArray(containers) || containers.length === 0) {
    throw statuses.invalid(def, name, 'spec.containers: Required value');
  }
  for (const [i, c] of containers.entries()) {
    if (!c?.name) throw statuses.invalid(def, name, `spec.containers[${i}].name: Required value`);
    if (!c?.image) throw statuses.invalid(def, name, `spec.containers[${i}].image: Required value`);
  }
}

/** The fields of a pod spec that an update may change; everything else is immutable. */
function mutablePartsRemoved(spec: KubeObject['spec']): string {
  const copy = structuredClone(spec ?? {});
  delete copy.activeDeadlineSeconds;
  delete copy.tolerations;
  for (const c of copy.containers ?? []) delete c.image;
  return JSON.stringify(copy);
}

export function validatePodUpdate(def: ResourceDef, before: KubeObject, after: KubeObject): void {
  if (mutablePartsRemoved(before.spec) !== mutablePartsRemoved(after.spec)) {
    throw statuses.invalid(
      def,
      before.metadata.name ?? '',
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations)',
    );
  }
}
