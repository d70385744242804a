// Single scheduler leader via a Redis lock with a fencing token: a new holder always gets a larger token,
// and the store refuses scheduler writes that carry a stale one.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from './store/keys.ts';
import { ACQUIRE_LEADER, RELEASE_LEADER, RENEW_LEADER, SEIZE_LEADER } from './store/lua.ts';
import { runScript } from './store/run-script.ts';

/** What the scheduler needs from a leader election, whichever decides (Redis lock, Kubernetes Lease). */
export interface Elector {
  readonly holderId: string;
  /** The fencing token of the last term held (kept after losing it, so stale writes are refused). */
  readonly fence: string | undefined;
  readonly isHolding: boolean;
  /** Waits until leader, then keeps the leadership renewed; rejects when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<string>;
  /** Gives leadership back (if held) so a standby need not wait for it to lapse. */
  release(): Promise<void>;
}

export interface ElectorHooks {
  /** Leadership was lost without release() (another holder, or no renewal in time). */
  onLost?: () => void;
  log?: (message: string) => void;
}

export interface LeaderOptions extends ElectorHooks {
  ttlMs?: number;
  /**
   * 'campaign' (default): take the lock only when free. 'seize': this process was made leader elsewhere
   * (a Kubernetes Lease), so take the lock whoever holds it, with a new token, and renew it only while
   * still holding it: a lapsed lock is not re-taken.
   */
  mode?: 'campaign' | 'seize';
  holderId?: string;
  now?: () => number;
}

export class LeaderElection implements Elector {
  readonly holderId: string;
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
    this.holderId = options.holderId ?? randomUUID();
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
    const script =
      this.options.mode !== 'seize' ? ACQUIRE_LEADER : this.holding ? RENEW_LEADER : SEIZE_LEADER;
    const token = (await runScript(
      this.redis,
      script,
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
