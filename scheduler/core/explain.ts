// Why no node fits a request: the reason names the binding constraint with the numbers
// a user needs (what the job asks for, the most any suitable node has free).
import { failuresOf } from './filters.ts';
import type { ResourceRequest, UnschedulableReason } from './types.ts';
import type { ReadonlyWorkingNode } from './working-node.ts';

type CapacityReason = Extract<
  UnschedulableReason,
  { kind: 'InsufficientGpus' | 'InsufficientGpuShare' | 'InsufficientCpu' | 'InsufficientMemory' }
>;
type CapacityKind = CapacityReason['kind'];

/** GPUs are the scarce resource, so they are named first when several constraints bind. */
const CAPACITY_KINDS: readonly CapacityKind[] = [
  'InsufficientGpus',
  'InsufficientGpuShare',
  'InsufficientCpu',
  'InsufficientMemory',
];

/**
 * undefined when some node fits. Otherwise, in this order:
 * - NoNodes when no node is schedulable;
 * - GpuModelUnavailable when no schedulable node has a GPU of an allowed model;
 * - the first capacity constraint (GPUs, share, CPU, memory) that alone keeps some node
 *   out, with the largest free amount among nodes that meet every other request;
 * - else (every node falls short on two or more) the first constraint no node meets,
 *   with the largest free amount on any node;
 * - else the first constraint some node misses, with the largest free among those nodes.
 */
export function explainUnschedulable(
  nodes: readonly ReadonlyWorkingNode[],
  request: ResourceRequest,
): UnschedulableReason | undefined {
  const schedulable = distinctStates(nodes.filter((node) => !node.unschedulable));
  if (schedulable.length === 0) return { kind: 'NoNodes' };

  const perNode = schedulable.map((node) => failuresOf(node, request));
  if (perNode.some((failures) => failures.length === 0)) return undefined;

  const modelFits = perNode.filter(
    (failures) => !failures.some((reason) => reason.kind === 'GpuModelUnavailable'),
  );
  if (modelFits.length === 0) {
    const available = new Set(schedulable.flatMap((node) => node.gpus.map((gpu) => gpu.model)));
    return { kind: 'GpuModelUnavailable', allowed: [...request.gpuModel], available: [...available].sort() };
  }

  const capacity = modelFits as CapacityReason[][];
  for (const kind of CAPACITY_KINDS) {
    const soleFailures = capacity.filter((failures) => failures.length === 1 && failures[0]!.kind === kind);
    if (soleFailures.length > 0) return largest(soleFailures.map((failures) => failures[0]!));
  }
  for (const kind of CAPACITY_KINDS) {
    const ofKind = capacity.map((failures) => failures.find((reason) => reason.kind === kind));
    if (ofKind.every((reason) => reason !== undefined)) return largest(ofKind as CapacityReason[]);
  }
  for (const kind of CAPACITY_KINDS) {
    const ofKind = capacity.flatMap((failures) => failures.filter((reason) => reason.kind === kind));
    if (ofKind.length > 0) return largest(ofKind);
  }
  throw new Error('unreachable: every node failed a filter, yet no failure was found');
}

/** Merges same-kind reasons from several nodes into one with the largest free amount. */
function largest(reasons: readonly CapacityReason[]): CapacityReason {
  return reasons.reduce((best, reason) => (freeAmount(reason) > freeAmount(best) ? reason : best));
}

function freeAmount(reason: CapacityReason): number {
  switch (reason.kind) {
    case 'InsufficientGpus':
      return reason.largestFree;
    case 'InsufficientGpuShare':
    case 'InsufficientCpu':
      return reason.largestFreeMilli;
    case 'InsufficientMemory':
      return reason.largestFreeMiB;
  }
}

/** One node per capacity state: nodes in equal states fail the filters alike, so the reason is the same. */
function distinctStates(nodes: readonly ReadonlyWorkingNode[]): ReadonlyWorkingNode[] {
  const seen = new Set<string>();
  return nodes.filter((node) => {
    if (seen.has(node.stateKey)) return false;
    seen.add(node.stateKey);
    return true;
  });
}
