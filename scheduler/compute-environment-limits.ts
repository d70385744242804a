// What a compute environment's run-time settings leave of its nodes for new placements, and of the
// autoscaling signal. Pure: the leader applies it to the executor's nodes every cycle.
import type { ComputeEnvironmentSettings } from './config.ts';
import type { NodeState } from './core/types.ts';

/**
 * DISABLED: none (running jobs keep their capacity; nothing new is placed). maxNodes: the first that many
 * by name, so the set is stable from cycle to cycle.
 */
export function usableNodes(
  nodes: NodeState[],
  settings: ComputeEnvironmentSettings | undefined,
): NodeState[] {
  if (!settings) return nodes;
  if (settings.state === 'DISABLED') return [];
  if (settings.maxNodes === undefined || nodes.length <= settings.maxNodes) return nodes;
  return nodes
    .toSorted((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, settings.maxNodes);
}

/**
 * More nodes wanted: at least what brings the pool to minNodes, within maxNodes (none while DISABLED);
 * null (pending jobs but no node to copy) stays null.
 */
export function cappedNodesWanted(
  wanted: number | null,
  nodes: number,
  settings: ComputeEnvironmentSettings | undefined,
): number | null {
  if (!settings) return wanted;
  if (settings.state === 'DISABLED') return 0;
  if (wanted === null) return null;
  let result = wanted;
  if (settings.minNodes !== undefined) result = Math.max(result, settings.minNodes - nodes);
  if (settings.maxNodes !== undefined) result = Math.min(result, settings.maxNodes - nodes);
  return Math.max(0, result);
}
