// What the Redis stores of records share: one connection, every key name under a prefix (so tests and
// benchmarks can keep stores apart in one Redis), and a clock that tests inject.
import type { Redis } from 'ioredis';
import { keys as buildKeys, type Keys } from './keys.ts';

export interface StoreOptions {
  /** Key prefix (default: the production one, see keys.ts). */
  prefix?: string;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
}

export abstract class PrefixedStore {
  readonly keys: Keys;
  protected readonly redis: Redis;
  protected readonly now: () => number;

  constructor(redis: Redis, options: StoreOptions = {}) {
    this.redis = redis;
    this.keys = buildKeys(options.prefix);
    this.now = options.now ?? Date.now;
  }
}
