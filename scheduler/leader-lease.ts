// Leader election through a coordination.k8s.io Lease, as client-go's leaderelection does it: the holder
// renews the Lease every retry period and steps down when it could not for a renew deadline; a standby
// takes the Lease over once it has seen no change to it for a whole lease duration on its own clock (so
// clock skew between pods does not matter). Writes are replaces at the read resourceVersion: of two
// contenders one wins, the other gets 409 and looks again next period.
import { ApiException, type CoordinationV1Api, type V1Lease, V1MicroTime } from '@kubernetes/client-node';

export interface LeaseLockOptions {
  coordination: CoordinationV1Api;
  name: string;
  namespace: string;
  /** Unique per process (the pod name plus a random part). */
  identity: string;
  /** A holder not seen renewing for this long (our clock) may be replaced. */
  leaseDurationMs: number;
  now?: () => number;
  log?: (message: string) => void;
}

export class LeaseLock {
  private readonly options: LeaseLockOptions;
  private readonly now: () => number;
  /** The Lease as last seen, and when (our clock) it last changed: expiry is judged from that. */
  private observed?: { key: string; at: number };
  private lastRenewedAt = 0;
  private holding = false;

  constructor(options: LeaseLockOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  get isHolding(): boolean {
    return this.holding;
  }

  /** When this process last renewed the Lease (its clock). */
  get renewedAt(): number {
    return this.lastRenewedAt;
  }

  /**
   * One look at the Lease: renews it when held, takes it when free or expired. True when this process
   * holds it afterwards. API errors other than 404/409 are thrown (the caller decides what they mean).
   */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { coordination, name, namespace, identity } = this.options;
    const current = await this.read();
    const now = this.now();
    if (!current) {
      const created = await ignoreConflict(
        coordination.createNamespacedLease({ namespace, body: this.leaseBody(undefined, now) }),
      );
      return this.took(created, now);
    }
    this.observe(current, now);
    const holder = current.spec?.holderIdentity;
    if (holder && holder !== identity && !this.expired(now)) {
      this.holding = false;
      return false;
    }
    const replaced = await ignoreConflict(
      coordination.replaceNamespacedLease({ name, namespace, body: this.leaseBody(current, now) }),
    );
    if (replaced && holder !== identity)
      this.options.log?.(`took the Lease ${namespace}/${name} from "${holder ?? ''}"`);
    return this.took(replaced, now);
  }

  /** Hands the Lease back (empty holder) if this process holds it, so a standby takes it at once. */
  async release(): Promise<void> {
    if (!this.holding) return;
    this.holding = false;
    const { coordination, name, namespace, identity } = this.options;
    const current = await this.read().catch(() => undefined);
    if (current?.spec?.holderIdentity !== identity) return;
    const body = this.leaseBody(current, this.now());
    body.spec = { ...body.spec, holderIdentity: '', leaseDurationSeconds: 1 };
    await ignoreConflict(coordination.replaceNamespacedLease({ name, namespace, body })).catch(
      () => undefined, // the Lease then simply expires
    );
  }

  /** Forgets the holding without touching the Lease (what a stepped-down or crashed holder amounts to). */
  drop(): void {
    this.holding = false;
  }

  private async read(): Promise<V1Lease | undefined> {
    const { coordination, name, namespace } = this.options;
    try {
      return await coordination.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  private took(lease: V1Lease | undefined, now: number): boolean {
    this.holding = lease !== undefined;
    if (lease) {
      this.lastRenewedAt = now;
      this.observe(lease, now);
    }
    return this.holding;
  }

  private observe(lease: V1Lease, now: number): void {
    const spec = lease.spec ?? {};
    const key = `${spec.holderIdentity ?? ''}|${String(spec.renewTime ?? '')}|${lease.metadata?.resourceVersion ?? ''}`;
    if (this.observed?.key !== key) this.observed = { key, at: now };
  }

  private expired(now: number): boolean {
    return this.observed === undefined || now - this.observed.at >= this.options.leaseDurationMs;
  }

  private leaseBody(current: V1Lease | undefined, now: number): V1Lease {
    const { name, namespace, identity, leaseDurationMs } = this.options;
    const previous = current?.spec ?? {};
    const transition = previous.holderIdentity !== identity;
    // Read back from the server, times are strings (client-node has no MicroTime reader): resend as MicroTime.
    const time = new V1MicroTime(now);
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...(current?.metadata ?? {}), name, namespace },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: Math.max(1, Math.ceil(leaseDurationMs / 1000)),
        acquireTime: transition || !previous.acquireTime ? time : new V1MicroTime(previous.acquireTime),
        renewTime: time,
        leaseTransitions: (previous.leaseTransitions ?? 0) + (transition && previous.holderIdentity ? 1 : 0),
      },
    };
  }
}

/** 409 (AlreadyExists on create, Conflict on replace): another contender wrote first. */
async function ignoreConflict(call: Promise<V1Lease>): Promise<V1Lease | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ApiException && error.code === 409) return undefined;
    throw error;
  }
}
