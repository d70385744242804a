// One number per distinct node capacity state (per-GPU index, model and free milli in index order, CPU and
// memory free and total), so the node index and the memos key on a number instead of a string built per
// change. States are interned by a hash of their numbers' bits and told apart by comparing the numbers.
import type { GpuState } from './types.ts';

/** What a state id stands for: read only by stateIdOf. */
interface NodeCapacity {
  readonly gpus: readonly Readonly<GpuState>[];
  readonly cpuMilliFree: number;
  readonly cpuMilliTotal: number;
  readonly memoryMiBFree: number;
  readonly memoryMiBTotal: number;
}

/** States remembered before the table starts over (ids keep counting up, so none is reused). */
const STATE_IDS = 100_000;

const byHash = new Map<number, { numbers: Float64Array; id: number }[]>();
let remembered = 0;
let nextId = 0;
const modelIds = new Map<string, number>();

let scratch = new Float64Array(64);
let words = new Int32Array(scratch.buffer);

/**
 * The id of the node's capacity state: equal states get equal ids while the table remembers them, and an id
 * never names two states (-0 and 0, or two NaNs, may get two ids: nodes then only group apart).
 */
export function stateIdOf(node: NodeCapacity): number {
  const length = 4 + 3 * node.gpus.length;
  if (scratch.length < length) {
    scratch = new Float64Array(length * 2);
    words = new Int32Array(scratch.buffer);
  }
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
  let hash = length;
  for (let w = 0; w < 2 * length; w++) hash = Math.imul(hash ^ words[w]!, 0x01000193);
  let entries = byHash.get(hash);
  if (entries === undefined) {
    entries = [];
    byHash.set(hash, entries);
  }
  for (const entry of entries) if (equal(entry.numbers, length)) return entry.id;
  if (remembered >= STATE_IDS) {
    byHash.clear();
    remembered = 0;
    entries = [];
    byHash.set(hash, entries);
  }
  const id = nextId++;
  entries.push({ numbers: scratch.slice(0, length), id });
  remembered++;
  return id;
}

function equal(numbers: Float64Array, length: number): boolean {
  if (numbers.length !== length) return false;
  for (let i = 0; i < length; i++) if (numbers[i] !== scratch[i]) return false;
  return true;
}

function modelId(model: string): number {
  let id = modelIds.get(model);
  if (id === undefined) {
    id = modelIds.size;
    modelIds.set(model, id);
  }
  return id;
}
