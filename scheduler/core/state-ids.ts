// One number per distinct node capacity state (per-GPU index, model and free milli in index order, CPU and
// memory free and total), so the node index and the memos key on a number instead of a string built per
// change.
import { modelId, NumberTable } from './number-table.ts';
import type { GpuState } from './types.ts';

/** What a state id stands for: read only by stateIdOf. */
interface NodeCapacity {
  readonly gpus: readonly Readonly<GpuState>[];
  readonly cpuMilliFree: number;
  readonly cpuMilliTotal: number;
  readonly memoryMiBFree: number;
  readonly memoryMiBTotal: number;
}

const states = new NumberTable();

/**
 * The id of the node's capacity state: equal states get equal ids while the table remembers them, and an id
 * never names two states (-0 and 0, or two NaNs, may get two ids: nodes then only group apart).
 */
export function stateIdOf(node: NodeCapacity): number {
  const length = 4 + 3 * node.gpus.length;
  states.grow(length);
  const scratch = states.scratch;
  scratch[0] = node.cpuMilliFree;
  scratch[1] = node.cpuMilliTotal;
  scratch[2] = node.memoryMiBFree;
  scratch[3] = node.memoryMiBTotal;
  let at = 4;
  for (const gpu of node.gpus) {
    scratch[at++] = gpu.index;
    scratch[at++] = modelId(gpu.model);
    scratch[at++] = gpu.freeMilli;
  }
  return states.id(length);
}
