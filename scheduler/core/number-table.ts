// Interns short lists of numbers: one id per distinct list, found by a hash of the numbers' bits and told
// apart by comparing them, so hot paths key memos on a number instead of a string built per lookup.

/** Ids count up across all tables, so an id never names two lists, whichever table gave it. */
let nextId = 0;

export class NumberTable {
  readonly #byHash = new Map<number, { numbers: Float64Array; id: number }[]>();
  /** Lists remembered before the table starts over (after which an equal list gets a new id). */
  readonly #limit: number;
  #remembered = 0;
  /** Fill scratch[0..length) (grow() first if needed), then call id(length). */
  scratch = new Float64Array(64);
  #words = new Int32Array(this.scratch.buffer);

  constructor(limit = 100_000) {
    this.#limit = limit;
  }

  /** Makes room for a list of this length in scratch. */
  grow(length: number): void {
    if (this.scratch.length >= length) return;
    this.scratch = new Float64Array(length * 2);
    this.#words = new Int32Array(this.scratch.buffer);
  }

  /**
   * The id of scratch[0..length): equal lists get equal ids while the table remembers them (-0 equals 0,
   * and NaN equals NaN, as their strings would), and an id never names two lists.
   */
  id(length: number): number {
    const scratch = this.scratch;
    for (let i = 0; i < length; i++) {
      const value = scratch[i]!;
      if (value === 0) scratch[i] = 0;
      else if (Number.isNaN(value)) scratch[i] = Number.NaN;
    }
    const words = this.#words;
    let hash = length;
    for (let w = 0; w < 2 * length; w++) hash = Math.imul(hash ^ words[w]!, 0x01000193);
    let entries = this.#byHash.get(hash);
    if (entries !== undefined) {
      for (const entry of entries) if (this.#equal(entry.numbers, length)) return entry.id;
    }
    if (this.#remembered >= this.#limit) {
      this.#byHash.clear();
      this.#remembered = 0;
      entries = undefined;
    }
    if (entries === undefined) {
      entries = [];
      this.#byHash.set(hash, entries);
    }
    const id = nextId++;
    entries.push({ numbers: this.scratch.slice(0, length), id });
    this.#remembered++;
    return id;
  }

  #equal(numbers: Float64Array, length: number): boolean {
    if (numbers.length !== length) return false;
    const scratch = this.scratch;
    // Both sides are canonical (no -0), so Object.is is number equality with NaN equal to NaN.
    for (let i = 0; i < length; i++) if (!Object.is(numbers[i], scratch[i])) return false;
    return true;
  }
}

const modelIds = new Map<string, number>();

/** A number per GPU model name, for lists of numbers that include models. */
export function modelId(model: string): number {
  let id = modelIds.get(model);
  if (id === undefined) {
    id = modelIds.size;
    modelIds.set(model, id);
  }
  return id;
}
