// The k best (index, score) pairs seen so far for one query, best first; ties keep the lower index.

export class TopK {
  readonly k: number;
  readonly indices: Int32Array;
  readonly scores: Float64Array;
  private size = 0;

  constructor(k: number) {
    this.k = k;
    this.indices = new Int32Array(k).fill(-1);
    this.scores = new Float64Array(k).fill(Number.NaN);
  }

  /** The score a candidate must beat to get in (-Infinity until k are held). */
  get threshold(): number {
    return this.size < this.k ? -Infinity : this.scores[this.k - 1]!;
  }

  /** Candidates must arrive in increasing index order for ties to favour the lower index. */
  offer(index: number, score: number): void {
    if (!(score > this.threshold)) return;
    let position = Math.min(this.size, this.k - 1);
    while (position > 0 && this.scores[position - 1]! < score) {
      this.scores[position] = this.scores[position - 1]!;
      this.indices[position] = this.indices[position - 1]!;
      position--;
    }
    this.scores[position] = score;
    this.indices[position] = index;
    if (this.size < this.k) this.size++;
  }
}
