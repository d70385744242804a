// Cluster-wide counts of partly used GPUs by GPU model and free milli (their "gap"): what the Sum-of-Squares
// share rule (fgd-sos.ts) balances. The working snapshot keeps them up to date on every assume, release and
// rollback (it calls moved() for each GPU whose free milli changes), so a scorer reads a count in O(1)
// instead of scanning the cluster.
import { MILLI_PER_GPU } from '../types.ts';

/** What scorers may read. */
export interface ReadonlyShareGaps {
  /** Schedulable GPUs of the model with exactly `freeMilli` free, for 0 < freeMilli < 1000; else 0. */
  count(model: string, freeMilli: number): number;
  /** How much the sum of squared counts grows if one GPU of the model goes from `before` to `after` free. */
  sumOfSquaresIncrease(model: string, before: number, after: number): number;
}

export class ShareGaps implements ReadonlyShareGaps {
  /** Per model, counts indexed by free milli (0..1000; only the partly free entries are read). */
  readonly #byModel = new Map<string, Int32Array>();
  #lastModel: string | undefined;
  #lastCounts: Int32Array | undefined;

  count(model: string, freeMilli: number): number {
    if (!isGap(freeMilli)) return 0;
    return this.#counts(model, false)?.[freeMilli] ?? 0;
  }

  /**
   * How much the sum over (model, free milli) of count^2 grows if one GPU of the model goes from `before` to
   * `after` free milli: 2 * (count after - count before) + 2 for a gap that stays a gap.
   */
  sumOfSquaresIncrease(model: string, before: number, after: number): number {
    if (before === after) return 0;
    let increase = 0;
    if (isGap(before)) increase -= 2 * this.count(model, before) - 1;
    if (isGap(after)) increase += 2 * this.count(model, after) + 1;
    return increase;
  }

  /** A schedulable GPU with `freeMilli` free joins the counts. */
  added(model: string, freeMilli: number): void {
    this.moved(model, MILLI_PER_GPU, freeMilli);
  }

  /** A schedulable GPU's free milli changed from `before` to `after`. */
  moved(model: string, before: number, after: number): void {
    if (before === after) return;
    if (isGap(before)) this.#counts(model, true)![before]!--;
    if (isGap(after)) this.#counts(model, true)![after]!++;
  }

  #counts(model: string, create: boolean): Int32Array | undefined {
    // Scoring asks about one model many times in a row.
    if (model === this.#lastModel) return this.#lastCounts;
    let counts = this.#byModel.get(model);
    if (counts === undefined) {
      if (!create) return undefined;
      counts = new Int32Array(MILLI_PER_GPU + 1);
      this.#byModel.set(model, counts);
    }
    this.#lastModel = model;
    this.#lastCounts = counts;
    return counts;
  }
}

/** Partly free, in whole milli: fractional or out-of-range values (bad input) are not counted. */
function isGap(freeMilli: number): boolean {
  return Number.isInteger(freeMilli) && freeMilli > 0 && freeMilli < MILLI_PER_GPU;
}
