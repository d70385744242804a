// Single scheduler leader via a Redis lock with a fencing token: a new holder always gets a larger token,
// and the store refuses scheduler writes that carry a stale one.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from './store/keys.ts';
import { ACQUIRE_LEADER, RELEASE_LEADER } from './store/lua.ts';
import { runScript } from './store/run-script.ts';

export interface LeaderOptions {
  ttlMs?: number;
  onLost?: () => void;
  log?: (message: string) => void;
  now?: () => number;
}

export class LeaderElection {
  readonly holderId = randomUUID();
  /**
   * The token of the last term held. It is kept after the lock is lost, on purpose: writes that still
   * carry it are refused by the store (a stale token), where writes without one would not be checked.
   */
  private fenceToken?: string;
  private holding = false;
  private lastRenewedAt = 0;
  private timer?: NodeJS.Timeout;
  private readonly redis: Redis;
  private readonly keys: Keys;
  private readonly ttlMs: number;
  private readonly options: LeaderOptions;
  private readonly now: () => number;

  constructor(redis: Redis, keys: Keys, options: LeaderOptions = {}) {
    this.redis = redis;
    this.keys = keys;
    this.ttlMs = options.ttlMs ?? 15_000;
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  get fence(): string | undefined {
    return this.fenceToken;
  }

  get isHolding(): boolean {
    return this.holding;
  }

  /** Tries once; returns the fencing token when this process holds the lock. */
  async tryAcquire(): Promise<string | undefined> {
    const token = (await runScript(
      this.redis,
      ACQUIRE_LEADER,
      [this.keys.leaderLock, this.keys.leaderFence],
      [this.holderId, String(this.ttlMs)],
    )) as string | null;
    if (!token) return undefined;
    this.fenceToken = token;
    this.holding = true;
    this.lastRenewedAt = this.now();
    return token;
  }

  /** Waits until leader (polling at a third of the TTL), then keeps renewing. */
  async acquire(signal?: AbortSignal): Promise<string> {
    for (;;) {
      if (signal?.aborted) throw new Error('stopped before becoming leader');
      const token = await this.tryAcquire();
      if (token && signal?.aborted) {
        await this.release();
        throw new Error('stopped before becoming leader');
      }
      if (token) {
        this.keepRenewing();
        return token;
      }
      this.options.log?.('another scheduler holds the leader lock; waiting');
      await new Promise((r) => setTimeout(r, this.ttlMs / 3));
    }
  }

  private keepRenewing(): void {
    this.timer = setInterval(() => {
      void this.tryAcquire()
        .then((token) => {
          if (!token) this.lost('another scheduler holds the lock');
        })
        .catch(() => {
          // Cut off from Redis: the lock may lapse and another scheduler take over, so step down
          // ourselves once a whole TTL has passed without a successful renewal.
          if (this.now() - this.lastRenewedAt >= this.ttlMs) this.lost('no renewal within the lock TTL');
        });
    }, this.ttlMs / 3);
    this.timer.unref();
  }

  private lost(why: string): void {
    if (!this.holding) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.holding = false;
    this.options.log?.(`lost the leader lock: ${why}`);
    this.options.onLost?.();
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.holding = false;
    await runScript(this.redis, RELEASE_LEADER, [this.keys.leaderLock], [this.holderId]).catch(
      () => undefined,
    );
  }
}
