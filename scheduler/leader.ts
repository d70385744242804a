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
}

export class LeaderElection {
  readonly holderId = randomUUID();
  private fenceToken?: string;
  private timer?: NodeJS.Timeout;
  private readonly redis: Redis;
  private readonly keys: Keys;
  private readonly ttlMs: number;
  private readonly options: LeaderOptions;

  constructor(redis: Redis, keys: Keys, options: LeaderOptions = {}) {
    this.redis = redis;
    this.keys = keys;
    this.ttlMs = options.ttlMs ?? 15_000;
    this.options = options;
  }

  get fence(): string | undefined {
    return this.fenceToken;
  }

  /** Tries once; returns the fencing token when this process holds the lock. */
  async tryAcquire(): Promise<string | undefined> {
    const token = (await runScript(
      this.redis,
      ACQUIRE_LEADER,
      [this.keys.leaderLock, this.keys.leaderFence],
      [this.holderId, String(this.ttlMs)],
    )) as string | null;
    this.fenceToken = token ?? undefined;
    return this.fenceToken;
  }

  /** Waits until leader (polling at a third of the TTL), then keeps renewing. */
  async acquire(signal?: AbortSignal): Promise<string> {
    for (;;) {
      const token = await this.tryAcquire();
      if (token) {
        this.keepRenewing();
        return token;
      }
      if (signal?.aborted) throw new Error('stopped before becoming leader');
      this.options.log?.('another scheduler holds the leader lock; waiting');
      await new Promise((r) => setTimeout(r, this.ttlMs / 3));
    }
  }

  private keepRenewing(): void {
    this.timer = setInterval(() => {
      void this.tryAcquire()
        .then((token) => {
          if (!token) this.lost();
        })
        .catch(() => undefined); // a transient Redis error: the next renewal decides
    }, this.ttlMs / 3);
  }

  private lost(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.options.log?.('lost the leader lock');
    this.options.onLost?.();
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.fenceToken = undefined;
    await runScript(this.redis, RELEASE_LEADER, [this.keys.leaderLock], [this.holderId]).catch(
      () => undefined,
    );
  }
}
