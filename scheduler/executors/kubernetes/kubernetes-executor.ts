// The Kubernetes executor: a pool of nodes found by label, each attempt one Pod bound to the node the core
// chose. Two informers (nodes of the pool, gpubatch pods of the namespace) are the only reads; writes are
// pod creates and deletes through a bounded limiter. Pods outlive the scheduler: on close() attempts are
// detached, and the next leader re-attaches to them (reattach) or cleans them up (removeOrphan).
import { CoreV1Api, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { AttemptRequest } from '../../../runner/protocol.ts';
import type { NodeState, Placement } from '../../core/types.ts';
import type { AttemptHooks, AttemptOutcome, Executor, InterruptCause, UndrivenAttempt } from '../executor.ts';
import { statusCode, statusMessage, withRetry } from './api-retry.ts';
import {
  ATTEMPT_LABEL,
  CPU_MILLI_ANNOTATION,
  GPU_INDICES_ANNOTATION,
  GPU_MILLI_ANNOTATION,
  JOB_LABEL,
  MEMORY_MIB_ANNOTATION,
  POD_SELECTOR,
  podName,
} from './labels.ts';
import { Limiter } from './limiter.ts';
import { nodeReady, type Toleration, toNodeState } from './node-state.ts';
import { type PodSettings, placementProblem, podManifest } from './pod-manifest.ts';
import { kubeFailure, nodeLost, podState } from './pod-outcome.ts';
import { WatchedCache } from './watched-cache.ts';

export interface KubernetesExecutorOptions extends Omit<PodSettings, 'tolerations'> {
  kubeconfig: KubeConfig;
  nodeSelector: Record<string, string>;
  tolerations: readonly Toleration[];
  /** A node not Ready (or gone from the cache) this long fails its attempts as NODE_LOST. */
  nodeLostMs: number;
  maxConcurrentRequests: number;
  /** How long a finished pod is kept after its outcome is recorded (its log stays readable); 0 removes it at once. */
  finishedPodRetentionMs?: number;
  /** How often cached objects are re-checked (time-based decisions); default 1000 ms. */
  resyncMs?: number;
  now?: () => number;
  log?: (message: string) => void;
}

interface RunningAttempt {
  jobId: string;
  attempt: number;
  podName: string;
  node: string;
  hooks: AttemptHooks;
  started: boolean;
  /** The create call has returned (or the pod was adopted): a delete now reaches it. */
  created: boolean;
  interruptedBy?: { by: InterruptCause; reason: string };
  /** Since when the pod's node has been NotReady or missing (ms). */
  nodeLostSince?: number;
  finish(outcome: AttemptOutcome): void;
  done: Promise<AttemptOutcome>;
}

export class KubernetesExecutor implements Executor {
  private readonly options: KubernetesExecutorOptions;
  private readonly core: CoreV1Api;
  private readonly nodeCache: WatchedCache<V1Node>;
  private readonly podCache: WatchedCache<V1Pod>;
  private readonly limiter: Limiter;
  private readonly running = new Map<string, RunningAttempt>();
  private readonly nodeStates = new Map<string, { version: string; state: NodeState }>();
  private readonly now: () => number;
  private closed = false;
  /** Jobs being re-attached, and interrupts that reached them before they were. */
  private readonly attaching = new Map<string, { by: InterruptCause; reason: string } | undefined>();
  private readonly capacityListeners: Array<() => void> = [];
  /** Pods created by this executor (benchmarks, metrics). */
  created = 0;

  constructor(options: KubernetesExecutorOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.core = options.kubeconfig.makeApiClient(CoreV1Api);
    this.limiter = new Limiter(options.maxConcurrentRequests);
    const selector = Object.entries(options.nodeSelector)
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    this.nodeCache = new WatchedCache<V1Node>({
      kubeconfig: options.kubeconfig,
      path: '/api/v1/nodes',
      labelSelector: selector || undefined,
      list: () => this.core.listNode(selector ? { labelSelector: selector } : {}),
      onChange: (node, kind) => this.onNode(node, kind),
      resyncMs: options.resyncMs,
      log: options.log,
    });
    const namespace = options.namespace;
    this.podCache = new WatchedCache<V1Pod>({
      kubeconfig: options.kubeconfig,
      path: `/api/v1/namespaces/${namespace}/pods`,
      labelSelector: POD_SELECTOR,
      list: () => this.core.listNamespacedPod({ namespace, labelSelector: POD_SELECTOR }),
      onChange: (pod, kind) => this.onPod(pod, kind),
      resyncMs: options.resyncMs,
      log: options.log,
    });
  }

  /** Starts both informers; resolves once both have listed (nodes() is empty until then). */
  async start(): Promise<void> {
    this.nodeCache.start();
    this.podCache.start();
    await this.ready();
  }

  ready(): Promise<void> {
    return Promise.all([this.nodeCache.synced, this.podCache.synced]).then(() => undefined);
  }

  /** Informer restarts after errors, for tests and metrics. */
  get informerRestarts(): { nodes: number; pods: number } {
    return { nodes: this.nodeCache.restarts, pods: this.podCache.restarts };
  }

  /**
   * The pool's nodes at full capacity, less what pods nobody here drives hold (a previous leader's,
   * until they are re-attached): the placement loop subtracts the attempts it drives itself.
   */
  nodes(): NodeState[] {
    if (!this.nodeCache.isSynced || !this.podCache.isSynced) return [];
    const byName = new Map<string, NodeState>();
    for (const node of this.nodeCache.list()) {
      const name = node.metadata?.name ?? '';
      const version = node.metadata?.resourceVersion ?? '';
      let memo = this.nodeStates.get(name);
      if (memo?.version !== version) {
        memo = { version, state: toNodeState(node, this.options) };
        this.nodeStates.set(name, memo);
      }
      byName.set(name, structuredClone(memo.state));
    }
    for (const pod of this.podCache.list()) {
      if (this.isDriven(pod) || !holdsCapacity(pod)) continue;
      const node = byName.get(pod.spec?.nodeName ?? '');
      if (node) take(node, pod);
    }
    return [...byName.values()];
  }

  /**
   * Every node of the pool at full capacity, schedulable or not: what a job could ever fit on. Undefined
   * until the node informer has listed (the submit-time fit check is then skipped, not failed).
   */
  capacityNodes(): NodeState[] | undefined {
    if (!this.nodeCache.isSynced) return undefined;
    return this.nodeCache
      .list()
      .map((node) => ({ ...toNodeState(node, this.options), unschedulable: false }));
  }

  onCapacityChange(listener: () => void): void {
    this.capacityListeners.push(listener);
  }

  private capacityChanged(): void {
    for (const listener of this.capacityListeners) listener();
  }

  run(request: AttemptRequest, placement: Placement, hooks: AttemptHooks): Promise<AttemptOutcome> {
    if (this.closed)
      return Promise.resolve({ kind: 'interrupted', by: 'shutdown', reason: 'executor is shutting down' });
    const problem = placementProblem(placement, this.options);
    if (problem) return Promise.resolve(kubeFailure('UNSUPPORTED_PLACEMENT', problem));
    const attempt = this.register(request.jobId, request.attempt, placement.node, hooks);
    void this.create(attempt, podManifest(request, placement, this.options));
    return attempt.done;
  }

  async reattach(
    request: AttemptRequest,
    _placement: Placement,
    hooks: AttemptHooks,
  ): Promise<AttemptOutcome | undefined> {
    this.attaching.set(request.jobId, undefined);
    await this.ready();
    const interrupted = this.attaching.get(request.jobId);
    this.attaching.delete(request.jobId);
    if (this.closed) return { kind: 'detached', reason: 'executor is shutting down' };
    const name = podName(request.jobId, request.attempt);
    const pod = this.podCache.get(name, this.options.namespace);
    if (!pod || this.running.has(request.jobId)) return undefined;
    const attempt = this.register(request.jobId, request.attempt, pod.spec?.nodeName ?? '', hooks);
    attempt.created = true;
    this.onPod(pod, 'resync');
    if (interrupted) this.interrupt(request.jobId, interrupted.by, interrupted.reason);
    return attempt.done;
  }

  interrupt(jobId: string, by: InterruptCause, reason: string): void {
    if (this.attaching.has(jobId)) this.attaching.set(jobId, { by, reason });
    const attempt = this.running.get(jobId);
    if (!attempt || attempt.interruptedBy) return;
    attempt.interruptedBy = { by, reason };
    if (attempt.created) void this.deletePod(attempt, this.graceFor(by));
  }

  /** A cancel stops the pod at once (1 s, nothing to keep); anything else gets the grace to checkpoint. */
  private graceFor(by: InterruptCause): number {
    return by === 'cancel'
      ? Math.min(1, this.options.terminationGraceSeconds)
      : this.options.terminationGraceSeconds;
  }

  forget(jobId: string, attempt: number): void {
    const name = podName(jobId, attempt);
    const remove = () => {
      if (this.closed || this.running.get(jobId)?.attempt === attempt) return;
      void this.delete(name, 0).catch((error: unknown) =>
        this.options.log?.(`could not delete pod ${name}: ${statusMessage(error)}`),
      );
    };
    const retention = this.options.finishedPodRetentionMs ?? 0;
    if (retention <= 0) remove();
    else setTimeout(remove, retention).unref(); // after a restart, removeOrphan does it (keepUntil)
  }

  undriven(): UndrivenAttempt[] {
    const retention = this.options.finishedPodRetentionMs ?? 0;
    return this.podCache
      .list()
      .filter((pod) => !this.isDriven(pod))
      .map((pod) => {
        const ended = endedAt(pod);
        return {
          jobId: jobIdOf(pod),
          attempt: attemptOf(pod),
          name: pod.metadata?.name ?? '',
          ...(ended !== undefined && retention > 0 ? { keepUntil: ended + retention } : {}),
        };
      });
  }

  async removeOrphan(orphan: UndrivenAttempt): Promise<void> {
    if (this.running.get(orphan.jobId)?.attempt === orphan.attempt) return;
    await this.delete(orphan.name, this.options.terminationGraceSeconds);
  }

  /** Lets go of every attempt (their pods keep running for the next leader) and stops watching. */
  async close(): Promise<void> {
    this.closed = true;
    for (const attempt of [...this.running.values()])
      attempt.finish(
        attempt.interruptedBy?.by === 'cancel' || attempt.interruptedBy?.by === 'preempt'
          ? {
              kind: 'detached',
              reason: `scheduler stopped while stopping the attempt (${attempt.interruptedBy.reason})`,
            }
          : { kind: 'detached', reason: 'scheduler stopped; the pod keeps running' },
      );
    await Promise.all([this.nodeCache.stop(), this.podCache.stop()]);
  }

  private register(jobId: string, number: number, node: string, hooks: AttemptHooks): RunningAttempt {
    let finish!: (outcome: AttemptOutcome) => void;
    const done = new Promise<AttemptOutcome>((resolve) => (finish = resolve));
    const attempt: RunningAttempt = {
      jobId,
      attempt: number,
      podName: podName(jobId, number),
      node,
      hooks,
      started: false,
      created: false,
      done,
      finish: (outcome) => {
        if (this.running.get(jobId) !== attempt) return;
        this.running.delete(jobId);
        finish(outcome);
      },
    };
    this.running.set(jobId, attempt);
    return attempt;
  }

  private async create(attempt: RunningAttempt, pod: V1Pod): Promise<void> {
    const namespace = this.options.namespace;
    try {
      await this.limiter.run(() =>
        withRetry(() => this.core.createNamespacedPod({ namespace, body: pod }), {
          abandoned: () => this.closed,
        }),
      );
      this.created++;
    } catch (error) {
      // AlreadyExists: an earlier try of this create went through (the name is the attempt's own).
      if (statusCode(error) !== 409) {
        const code = statusCode(error);
        attempt.finish(
          attempt.interruptedBy
            ? { kind: 'interrupted', ...attempt.interruptedBy }
            : code !== undefined && code < 500 && code !== 429
              ? kubeFailure('POD_REJECTED', `the API refused the pod: ${statusMessage(error)}`)
              : kubeFailure('NODE_REJECTED', `could not create the pod: ${statusMessage(error)}`),
        );
        return;
      }
    }
    attempt.created = true;
    if (attempt.interruptedBy) {
      void this.deletePod(attempt, this.graceFor(attempt.interruptedBy.by));
      return;
    }
    const cached = this.podCache.get(attempt.podName, namespace);
    if (cached) this.onPod(cached, 'resync');
  }

  private onNode(node: V1Node, kind: 'add' | 'update' | 'delete' | 'resync'): void {
    if (kind === 'resync') return;
    const name = node.metadata?.name ?? '';
    if (kind === 'delete') {
      this.nodeStates.delete(name);
      for (const attempt of [...this.running.values()])
        if (attempt.node === name && attempt.created) this.nodeLost(attempt, `node ${name} was deleted`);
      this.capacityChanged();
      return;
    }
    // Status heartbeats change a node often; only a change the core would see is worth a cycle.
    const before = this.nodeStates.get(name)?.state;
    const after = toNodeState(node, this.options);
    this.nodeStates.set(name, { version: node.metadata?.resourceVersion ?? '', state: after });
    if (!before || JSON.stringify(before) !== JSON.stringify(after)) this.capacityChanged();
  }

  private onPod(pod: V1Pod, kind: 'add' | 'update' | 'delete' | 'resync'): void {
    const attempt = this.running.get(jobIdOf(pod));
    if (!attempt || attempt.attempt !== attemptOf(pod)) {
      // A pod nobody here drives has ended or gone: the capacity nodes() withheld for it is free.
      if (kind === 'delete' || (kind === 'update' && !holdsCapacity(pod))) this.capacityChanged();
      return;
    }
    const state = podState(pod);
    if (kind === 'delete' && state.kind !== 'ended') {
      if (attempt.interruptedBy) attempt.finish({ kind: 'interrupted', ...attempt.interruptedBy });
      else if (!this.nodeCache.get(attempt.node)) this.nodeLost(attempt, `node ${attempt.node} is gone`);
      else attempt.finish(kubeFailure('POD_DELETED', `pod ${attempt.podName} was deleted before it ended`));
      return;
    }
    if (state.kind === 'ended') {
      const { outcome } = state;
      attempt.finish(
        attempt.interruptedBy && outcome.kind !== 'succeeded'
          ? {
              kind: 'interrupted',
              ...attempt.interruptedBy,
              // Stopped for a preemption: the runner saved a checkpoint the next attempt resumes from.
              ...(outcome.kind === 'interrupted' &&
              outcome.checkpoint &&
              attempt.interruptedBy.by !== 'cancel'
                ? { checkpoint: outcome.checkpoint }
                : {}),
            }
          : outcome,
      );
      // Ended for gpubatch but not for the kubelet (stuck pulling its image): it still holds the node's
      // capacity, which the core now counts as free, so it goes at once.
      if (holdsCapacity(pod) && kind !== 'delete')
        void this.delete(attempt.podName, 0).catch(() => undefined);
      return;
    }
    if (state.kind === 'running' && !attempt.started) {
      attempt.started = true;
      attempt.hooks.onStarted();
    }
    this.checkNode(attempt);
  }

  /** A node NotReady (or gone) for nodeLostMs loses its attempts: they run again elsewhere. */
  private checkNode(attempt: RunningAttempt): void {
    const node = this.nodeCache.get(attempt.node);
    if (node && nodeReady(node)) {
      attempt.nodeLostSince = undefined;
      return;
    }
    attempt.nodeLostSince ??= this.now();
    if (this.now() - attempt.nodeLostSince >= this.options.nodeLostMs)
      this.nodeLost(
        attempt,
        `node ${attempt.node} ${node ? 'NotReady' : 'gone'} for ${Math.round((this.now() - attempt.nodeLostSince) / 1000)} s`,
      );
  }

  private nodeLost(attempt: RunningAttempt, why: string): void {
    attempt.finish(attempt.interruptedBy ? { kind: 'interrupted', ...attempt.interruptedBy } : nodeLost(why));
    // Its kubelet cannot be reached: remove the pod from the API at once so it holds nothing.
    void this.delete(attempt.podName, 0).catch(() => undefined);
  }

  private async deletePod(attempt: RunningAttempt, graceSeconds: number): Promise<void> {
    try {
      await this.delete(attempt.podName, graceSeconds);
    } catch (error) {
      this.options.log?.(`could not delete pod ${attempt.podName}: ${statusMessage(error)}`);
    }
  }

  /** Deletes a pod; a pod already gone is fine. When it was ours and still driven, its run ends. */
  private async delete(name: string, gracePeriodSeconds: number): Promise<void> {
    const namespace = this.options.namespace;
    try {
      await this.limiter.run(() =>
        withRetry(() => this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds })),
      );
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
      for (const attempt of this.running.values())
        if (attempt.podName === name && attempt.interruptedBy)
          attempt.finish({ kind: 'interrupted', ...attempt.interruptedBy });
    }
  }

  private isDriven(pod: V1Pod): boolean {
    return this.running.get(jobIdOf(pod))?.attempt === attemptOf(pod);
  }
}

function jobIdOf(pod: V1Pod): string {
  return pod.metadata?.labels?.[JOB_LABEL] ?? '';
}

function attemptOf(pod: V1Pod): number {
  return Number(pod.metadata?.labels?.[ATTEMPT_LABEL] ?? Number.NaN);
}

/** When the pod's runner ended (ms), if it has. */
function endedAt(pod: V1Pod): number | undefined {
  if (holdsCapacity(pod)) return undefined;
  // A pod refused by its kubelet never ran: count from its creation (a fixed time, so it does expire).
  const at =
    pod.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt ?? pod.metadata?.creationTimestamp;
  return at ? new Date(at).getTime() : 0;
}

/** A pod holds its node's capacity until it has ended (or is gone). */
function holdsCapacity(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

function take(node: NodeState, pod: V1Pod): void {
  const annotations = pod.metadata?.annotations ?? {};
  const milli = Number(annotations[GPU_MILLI_ANNOTATION] ?? 1000);
  node.cpuMilliFree -= Number(annotations[CPU_MILLI_ANNOTATION] ?? 0);
  node.memoryMiBFree -= Number(annotations[MEMORY_MIB_ANNOTATION] ?? 0);
  for (const index of (annotations[GPU_INDICES_ANNOTATION] ?? '').split(',').filter(Boolean).map(Number)) {
    const gpu = node.gpus.find((g) => g.index === index);
    if (gpu) gpu.freeMilli -= milli;
  }
}
