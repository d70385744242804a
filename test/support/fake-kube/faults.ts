// Fault injection, programmed from tests: failed requests (5xx, 429 with Retry-After), slow
// responses, dropped watches, forced 410 Gone. Random faults use a seeded generator so a failing
// run can be replayed.
import { seededRandom } from '../../../scheduler/core/rng.ts';

export interface RequestInfo {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
}

export interface InjectedFailure {
  code: number;
  retryAfterSeconds?: number;
}

export interface RandomFaults {
  /** Fraction of matching requests answered with an error, 0..1. */
  errorRate?: number;
  /** Status codes to choose from for those errors (default [500, 503]). 429 carries Retry-After. */
  codes?: number[];
  retryAfterSeconds?: number;
  /** Added to every matching response. */
  latencyMs?: number;
  /** Also fail watch requests (they then never open). Default false. */
  includeWatches?: boolean;
  /** Which requests are eligible; default all. */
  only?: (r: RequestInfo) => boolean;
  seed?: number;
}

export type DropMode = 'close' | 'reset';

interface Scripted extends InjectedFailure {
  only?: (r: RequestInfo) => boolean;
}

export class Faults {
  #random: RandomFaults = {};
  #rng = seededRandom(1);
  #scripted: Scripted[] = [];
  #gone: Array<{ http: boolean; only?: (r: RequestInfo) => boolean }> = [];
  readonly #dropTimers = new Set<NodeJS.Timeout>();
  readonly #drop: (mode: DropMode, only?: (r: RequestInfo) => boolean) => number;

  constructor(drop: (mode: DropMode, only?: (r: RequestInfo) => boolean) => number) {
    this.#drop = drop;
  }

  /** Replaces the random faults; `set({})` turns them off. */
  set(random: RandomFaults): void {
    this.#random = random;
    this.#rng = seededRandom(random.seed ?? 1);
  }

  /** The next `count` matching requests fail with `code` (default 500). */
  failNext(
    count: number,
    failure: Partial<InjectedFailure> & { only?: (r: RequestInfo) => boolean } = {},
  ): void {
    for (let i = 0; i < count; i++) this.#scripted.push({ code: 500, ...failure });
  }

  /**
   * The next matching watch gets 410 Gone: by default an ERROR event carrying a Status with code
   * 410 (what the API server sends for a compacted resourceVersion); with `http`, an HTTP 410.
   */
  goneOnNextWatch(options: { http?: boolean; only?: (r: RequestInfo) => boolean } = {}): void {
    this.#gone.push({ http: options.http ?? false, only: options.only });
  }

  /** Drops the open watches now; returns how many. */
  dropWatches(mode: DropMode = 'reset', only?: (r: RequestInfo) => boolean): number {
    return this.#drop(mode, only);
  }

  /** Drops the open watches every `ms` until the returned function (or reset/stop) is called. */
  dropWatchesEvery(ms: number, mode: DropMode = 'reset'): () => void {
    const timer = setInterval(() => this.#drop(mode), ms);
    this.#dropTimers.add(timer);
    return () => {
      clearInterval(timer);
      this.#dropTimers.delete(timer);
    };
  }

  /** No faults from now on. */
  reset(): void {
    this.set({});
    this.#scripted = [];
    this.#gone = [];
    for (const t of this.#dropTimers) clearInterval(t);
    this.#dropTimers.clear();
  }

  /** Decided by the server for each request, before it is handled. */
  failureFor(r: RequestInfo): InjectedFailure | undefined {
    const i = this.#scripted.findIndex((s) => !s.only || s.only(r));
    if (i >= 0) {
      const [s] = this.#scripted.splice(i, 1);
      return s && { code: s.code, retryAfterSeconds: s.retryAfterSeconds };
    }
    const { errorRate = 0, codes = [500, 503], includeWatches = false, only } = this.#random;
    if (errorRate <= 0 || (r.verb === 'watch' && !includeWatches) || (only && !only(r))) return undefined;
    if (this.#rng() >= errorRate) return undefined;
    const code = codes[Math.floor(this.#rng() * codes.length)] ?? 500;
    return { code, retryAfterSeconds: code === 429 ? (this.#random.retryAfterSeconds ?? 1) : undefined };
  }

  latencyFor(r: RequestInfo): number {
    const { latencyMs = 0, only } = this.#random;
    return only && !only(r) ? 0 : latencyMs;
  }

  /** Whether this watch must start with 410 Gone, and how. */
  goneFor(r: RequestInfo): { http: boolean } | undefined {
    const i = this.#gone.findIndex((g) => !g.only || g.only(r));
    if (i < 0) return undefined;
    const [g] = this.#gone.splice(i, 1);
    return g && { http: g.http };
  }
}
