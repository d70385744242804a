// Counts of requests by verb and resource (`list pods`, `create pods/binding`, `watch nodes`), so
// tests and benchmarks can assert on how a client uses the API, e.g. no per-pod full re-list.

export interface RequestRecord {
  verb: string;
  /** Plural, with the subresource after a slash: `pods`, `pods/log`, `pods/binding`. */
  resource: string;
  namespace?: string;
  name?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** HTTP status of the response (200 for a watch that was opened); 0 while it is being answered. */
  code: number;
  injected: boolean;
}

export class RequestStats {
  readonly #counts = new Map<string, number>();
  readonly #recent: RequestRecord[] = [];
  readonly #keep: number;

  constructor(keep = 10_000) {
    this.#keep = keep;
  }

  /** Counts a request; the returned record is the one kept, for the server to complete. */
  record(r: RequestRecord): RequestRecord {
    const k = `${r.verb} ${r.resource}`;
    this.#counts.set(k, (this.#counts.get(k) ?? 0) + 1);
    this.#recent.push(r);
    if (this.#recent.length > this.#keep) this.#recent.shift();
    return r;
  }

  /** Requests with this verb and resource, e.g. count('list', 'pods'); injected failures included. */
  count(verb: string, resource: string): number {
    return this.#counts.get(`${verb} ${resource}`) ?? 0;
  }

  /** All counts keyed `verb resource`. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.#counts.entries()].sort());
  }

  total(): number {
    let n = 0;
    for (const c of this.#counts.values()) n += c;
    return n;
  }

  /** The latest requests, oldest first (bounded). */
  recent(filter?: Partial<Pick<RequestRecord, 'verb' | 'resource'>>): RequestRecord[] {
    return this.#recent.filter(
      (r) =>
        (!filter?.verb || r.verb === filter.verb) && (!filter?.resource || r.resource === filter.resource),
    );
  }

  reset(): void {
    this.#counts.clear();
    this.#recent.length = 0;
  }
}
