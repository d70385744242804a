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

/**
 * A table of states. A working snapshot keeps its own, which never forgets, so nodes in equal states always
 * share an id and a group within a cycle; ids are unique across tables, so memos shared between snapshots
 * never confuse two states.
 */
export class StateIds {
  readonly #table: NumberTable;

  constructor(limit = Number.POSITIVE_INFINITY) {
    this.#table = new NumberTable(limit);
  }

  /** The id of the node's capacity state: equal states get equal ids, and an id never names two states. */
  of(node: NodeCapacity): number {
    return stateIdOf(node, this.#table);
  }
}

/** For nodes outside a working snapshot: it starts over after 100,000 states (bounded memory). */
export const SHARED_STATE_IDS = new StateIds(100_000);

function stateIdOf(node: NodeCapacity, states: NumberTable): number {
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
