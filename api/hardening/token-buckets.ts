// Per-caller token buckets: pure arithmetic over an injected clock, so the rate limit is testable
// without waiting. One bucket per key (a principal id, or a client address when there is none).

export interface RateLimitSettings {
  /** Tokens added per second (the sustained request rate); 0 turns the limit off. */
  requestsPerSecond: number;
  /** Bucket size: how many requests may arrive at once after a quiet spell. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitSettings = { requestsPerSecond: 50, burst: 200 };

export type TakeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

/** Above this many buckets, the full ones are dropped: a full bucket and no bucket behave the same. */
const SWEEP_ABOVE = 10_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly settings: RateLimitSettings;
  private readonly now: () => number;

  constructor(settings: RateLimitSettings, now: () => number = Date.now) {
    if (!(settings.requestsPerSecond >= 0) || !(settings.burst >= 1)) {
      throw new RangeError(
        `rate limit: requestsPerSecond must be >= 0 and burst >= 1; got ${settings.requestsPerSecond}/${settings.burst}`,
      );
    }
    this.settings = settings;
    this.now = now;
  }

  get enabled(): boolean {
    return this.settings.requestsPerSecond > 0;
  }

  /** Takes one token from key's bucket, or says how many whole seconds until one is there. */
  take(key: string): TakeResult {
    if (!this.enabled) return { allowed: true };
    const now = this.now();
    const bucket = this.refilled(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const waitMs = ((1 - bucket.tokens) / this.settings.requestsPerSecond) * 1000;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Buckets held (for tests of the memory bound). */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= SWEEP_ABOVE) this.dropFull(now);
      bucket = { tokens: this.settings.burst, at: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    // A clock that steps back adds nothing (and takes nothing away).
    const elapsedMs = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(
      this.settings.burst,
      bucket.tokens + (elapsedMs / 1000) * this.settings.requestsPerSecond,
    );
    bucket.at = now;
    return bucket;
  }

  private dropFull(now: number): void {
    const refillMs = (this.settings.burst / this.settings.requestsPerSecond) * 1000;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at >= refillMs) this.buckets.delete(key);
    }
  }
}
