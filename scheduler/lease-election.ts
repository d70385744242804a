// Kubernetes deployments: the Lease decides who leads, the Redis fencing token guards the store. The
// Lease holder seizes the Redis lock with a new token as soon as it holds the Lease, so a deposed holder
// that still runs (paused, cut off from the API server) has its writes refused as stale, and takeover
// does not wait for the old Redis lock to lapse. See docs/kubernetes.md, "Leader election".
import type { Elector, ElectorHooks, LeaderElection } from './leader.ts';
import type { LeaseLock } from './leader-lease.ts';

export interface LeaseElectionOptions extends ElectorHooks {
  renewDeadlineMs: number;
  retryPeriodMs: number;
  now?: () => number;
}

export class LeaseElection implements Elector {
  private readonly lease: LeaseLock;
  /** In 'seize' mode: taken when the Lease is, renewed only while still ours. */
  private readonly redisLock: LeaderElection;
  private readonly options: LeaseElectionOptions;
  private readonly now: () => number;
  private holding = false;
  private renewing = false;
  private redisRenewedAt = 0;
  private timer?: NodeJS.Timeout;

  constructor(lease: LeaseLock, redisLock: LeaderElection, options: LeaseElectionOptions) {
    this.lease = lease;
    this.redisLock = redisLock;
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  get holderId(): string {
    return this.redisLock.holderId;
  }

  get fence(): string | undefined {
    return this.redisLock.fence;
  }

  get isHolding(): boolean {
    return this.holding;
  }

  async acquire(signal?: AbortSignal): Promise<string> {
    let waitingLogged = false;
    let lastError: string | undefined;
    for (;;) {
      if (signal?.aborted) throw new Error('stopped before becoming leader');
      const held = await this.lease.tryAcquireOrRenew().then(
        (result) => {
          lastError = undefined;
          return result;
        },
        (error: Error) => {
          // Once per kind of failure, not every retry period.
          if (error.message !== lastError)
            this.options.log?.(`cannot read the leader Lease: ${error.message}`);
          lastError = error.message;
          return false;
        },
      );
      if (held && signal?.aborted) {
        await this.lease.release();
        throw new Error('stopped before becoming leader');
      }
      if (held) {
        try {
          const token = (await this.redisLock.tryAcquire())!;
          this.redisRenewedAt = this.now();
          this.holding = true;
          this.keepRenewing();
          return token;
        } catch (error) {
          this.options.log?.(`holding the Lease but cannot take the Redis lock: ${(error as Error).message}`);
          await this.lease.release();
        }
      } else if (!waitingLogged) {
        this.options.log?.('another scheduler holds the leader Lease; standing by');
        waitingLogged = true;
      }
      await sleep(this.options.retryPeriodMs, signal);
    }
  }

  private keepRenewing(): void {
    this.timer = setInterval(() => void this.renew(), this.options.retryPeriodMs);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const { renewDeadlineMs } = this.options;
    // Checked first, so a renewal call that hangs cannot keep a cut-off leader leading.
    if (this.now() - this.lease.renewedAt >= renewDeadlineMs)
      return this.lost('could not renew the Lease in time');
    if (this.now() - this.redisRenewedAt >= renewDeadlineMs)
      return this.lost('could not renew the Redis lock in time');
    if (this.renewing) return;
    this.renewing = true;
    try {
      const held = await this.lease.tryAcquireOrRenew().catch(() => undefined); // retried next period
      if (held === false) return this.lost('another scheduler holds the Lease');
      if (!this.holding) return;
      const token = await this.redisLock.tryAcquire().catch(() => null);
      if (token === undefined) return this.lost('another scheduler took the Redis lock');
      if (token) this.redisRenewedAt = this.now();
    } finally {
      this.renewing = false;
    }
  }

  private lost(why: string): void {
    if (!this.holding) return;
    this.holding = false;
    clearInterval(this.timer);
    this.timer = undefined;
    this.lease.drop();
    void this.redisLock.release(); // only deletes the lock if still ours
    this.options.log?.(`lost leadership: ${why}`);
    this.options.onLost?.();
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.holding = false;
    await this.redisLock.release();
    await this.lease.release().catch(() => undefined);
  }

  /** Stops renewing without handing anything back: what a crashed or frozen holder amounts to. */
  abandon(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.holding = false;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
