// Interns short lists of numbers: one id per distinct list, found by a hash of the numbers' bits and told
// apart by comparing them, so hot paths key memos on a number instead of a string built per lookup.

/** Ids count up across all tables, so an id never names two lists, whichever table gave it. */
let nextId = 0;

export class NumberTable {
  /** Remembered lists, back to back: list e is numbers[starts[e] .. starts[e] + lengths[e]). */
  #numbers = new Float64Array(1024);
  #used = 0;
  #starts = new Int32Array(64);
  #lengths = new Int32Array(64);
  #hashes = new Int32Array(64);
  #ids = new Float64Array(64);
  /** Open addressing (linear probing): slot = list index + 1, 0 when empty. Typed arrays, no object per
   * list: a working snapshot interns a state on every assume and release. */
  #slots = new Int32Array(128);
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
    const mask = this.#slots.length - 1;
    for (let slot = spread(hash) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.#slots[slot]! - 1;
      if (entry < 0) break;
      if (this.#hashes[entry] === hash && this.#equal(entry, length)) return this.#ids[entry]!;
    }
    if (this.#remembered >= this.#limit) this.#clear();
    return this.#insert(hash, length);
  }

  #equal(entry: number, length: number): boolean {
    if (this.#lengths[entry] !== length) return false;
    const numbers = this.#numbers;
    const start = this.#starts[entry]!;
    const scratch = this.scratch;
    // Both sides are canonical (no -0), so this is number equality with NaN equal to NaN.
    for (let i = 0; i < length; i++) {
      const a = numbers[start + i]!;
      const b = scratch[i]!;
      if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) return false;
    }
    return true;
  }

  #insert(hash: number, length: number): number {
    const entry = this.#remembered++;
    if (entry === this.#ids.length) this.#growEntries();
    if (this.#used + length > this.#numbers.length) {
      const numbers = new Float64Array(Math.max(2 * this.#numbers.length, this.#used + length));
      numbers.set(this.#numbers.subarray(0, this.#used));
      this.#numbers = numbers;
    }
    const numbers = this.#numbers;
    const scratch = this.scratch;
    for (let i = 0; i < length; i++) numbers[this.#used + i] = scratch[i]!;
    this.#starts[entry] = this.#used;
    this.#lengths[entry] = length;
    this.#hashes[entry] = hash;
    const id = nextId++;
    this.#ids[entry] = id;
    this.#used += length;
    if (2 * this.#remembered > this.#slots.length) this.#rehash(2 * this.#slots.length);
    else this.#place(entry);
    return id;
  }

  #place(entry: number): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let slot = spread(this.#hashes[entry]!) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = entry + 1;
  }

  #rehash(size: number): void {
    this.#slots = new Int32Array(size);
    for (let entry = 0; entry < this.#remembered; entry++) this.#place(entry);
  }

  #growEntries(): void {
    const grown = <T extends Int32Array | Float64Array>(array: T): T => {
      const next = new (array.constructor as new (length: number) => T)(2 * array.length);
      next.set(array);
      return next;
    };
    this.#starts = grown(this.#starts);
    this.#lengths = grown(this.#lengths);
    this.#hashes = grown(this.#hashes);
    this.#ids = grown(this.#ids);
  }

  #clear(): void {
    this.#slots.fill(0);
    this.#remembered = 0;
    this.#used = 0;
  }
}

/**
 * The hash's bits mixed into its low ones (murmur3's finalizer): the numbers are mostly whole, so their low
 * words are zero and the product hash alone varies little in the low bits a slot is taken from.
 */
function spread(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
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
