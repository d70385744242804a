// A client-node informer that keeps going: list + watch (client-node re-lists on 410 Gone and reopens a
// watch that ends cleanly), restarted with backoff after any other error (client-node stops there), and a
// periodic resync that hands every cached object to the handler again (no API call: it re-checks what
// depends on time, such as how long a node has been NotReady).
import {
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  Watch,
} from '@kubernetes/client-node';

export interface WatchedCacheOptions<T extends KubernetesObject> {
  kubeconfig: KubeConfig;
  /** The watch path, e.g. /api/v1/nodes or /api/v1/namespaces/ns/pods. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  onChange: (object: T, kind: 'add' | 'update' | 'delete' | 'resync') => void;
  resyncMs?: number;
  log?: (message: string) => void;
  /** Restart delay after an error: doubles from here up to maxBackoffMs, reset by a successful list. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class WatchedCache<T extends KubernetesObject> {
  private readonly informer: ListWatch<T>;
  private readonly options: WatchedCacheOptions<T>;
  private stopping = false;
  private backoffMs: number;
  private restartTimer?: NodeJS.Timeout;
  private resyncTimer?: NodeJS.Timeout;
  private resolveSynced!: () => void;
  /** Resolves once the first list has arrived (the cache is complete from then on). */
  readonly synced: Promise<void>;
  isSynced = false;
  restarts = 0;

  constructor(options: WatchedCacheOptions<T>) {
    this.options = options;
    this.backoffMs = options.minBackoffMs ?? 250;
    this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
    // makeInformer's ListWatch, built unstarted (autoStart false) so handlers are in place first.
    this.informer = new ListWatch<T>(
      options.path,
      new Watch(options.kubeconfig),
      options.list,
      false,
      options.labelSelector,
    );
    this.informer.on('add', (object) => options.onChange(object, 'add'));
    this.informer.on('update', (object) => options.onChange(object, 'update'));
    this.informer.on('delete', (object) => options.onChange(object, 'delete'));
    this.informer.on('error', (error) => this.onError(error));
  }

  start(): void {
    void this.connect();
    const resyncMs = this.options.resyncMs ?? 1000;
    this.resyncTimer = setInterval(() => {
      if (!this.isSynced) return;
      for (const object of this.informer.list()) this.options.onChange(object, 'resync');
    }, resyncMs);
    this.resyncTimer.unref();
  }

  list(): readonly T[] {
    return this.informer.list();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.resyncTimer);
    await this.informer.stop();
  }

  private async connect(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.informer.start();
    } catch (error) {
      this.onError(error);
      return;
    }
    // start() resolves once the list is in and the watch is open, or after an error was reported.
    if (this.stopping || !this.informer.latestResourceVersion()) return;
    this.backoffMs = this.options.minBackoffMs ?? 250;
    if (!this.isSynced) {
      this.isSynced = true;
      this.resolveSynced();
    }
  }

  private onError(error: unknown): void {
    if (this.stopping) return; // stop() reports an AbortError: not a failure
    this.options.log?.(`watch ${this.options.path}: ${describe(error)}; restarting in ${this.backoffMs} ms`);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restarts++;
      void this.connect();
    }, this.backoffMs);
    this.restartTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 30_000);
  }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error)
    return `HTTP ${(error as { code: unknown }).code}`;
  return error instanceof Error ? error.message : String(error);
}
