// The fake kubelet: runs every pod bound to an existing node through Pending -> Running ->
// Succeeded/Failed as its PodScript says, with container statuses, logs, activeDeadlineSeconds,
// restartPolicy and graceful termination. While its node is not Ready it is unreachable: the
// "processes" keep running but status reaches the API only once the node is Ready again.
import type { PodLogs } from './pod-logs.ts';
import { type PodScript, scriptFromAnnotations } from './pod-script.ts';
import { parseQuantity, podRequests } from './quantity.ts';
import { type KubeObject, type ResourceDef, resources } from './resources.ts';
import { kubeTime, type ObjectStore, type StoreEvent } from './store.ts';

const pods = resources.pods as ResourceDef;
const nodes = resources.nodes as ResourceDef;

export interface KubeletOptions {
  /** Per-pod script; wins over the pod's annotations, field by field. */
  script?: (pod: KubeObject) => PodScript | undefined;
  defaultDurationMs?: number;
  startDelayMs?: number;
  /** Real milliseconds per Kubernetes second, for activeDeadlineSeconds and grace periods (default 1000). */
  msPerSecond?: number;
}

type RunState = 'starting' | 'running' | 'terminating' | 'done';

interface PodRun {
  namespace: string;
  name: string;
  uid: string;
  node: string;
  requests: Map<string, number>;
  script: Required<
    Pick<PodScript, 'exitCode' | 'durationMs' | 'startDelayMs' | 'sigtermExitMs' | 'sigtermExitCode'>
  > &
    PodScript;
  containers: Array<{ name: string; image: string }>;
  restartPolicy: string;
  state: RunState;
  restarts: number;
  /** The last terminated state of a restarted container: the kubelet keeps it as lastState until the next restart. */
  lastTerminated?: Record<string, unknown>;
  /** Script log lines written so far in this run of the container. */
  logged: number;
  startedAt?: string;
  timers: Set<NodeJS.Timeout>;
  /** Status writes made while the node was unreachable, applied in order when it is Ready again. */
  unsent: Array<() => void>;
}

let nextPodIp = 1;

export class FakeKubelet {
  readonly #store: ObjectStore;
  readonly #logs: PodLogs;
  readonly #options: Required<Omit<KubeletOptions, 'script'>> & Pick<KubeletOptions, 'script'>;
  readonly #runs = new Map<string, PodRun>();
  readonly #unsubscribe: () => void;
  #stopped = false;

  constructor(store: ObjectStore, logs: PodLogs, options: KubeletOptions = {}) {
    this.#store = store;
    this.#logs = logs;
    this.#options = { defaultDurationMs: 50, startDelayMs: 5, msPerSecond: 1000, ...options };
    this.#unsubscribe = store.subscribe((e) => setImmediate(() => this.#observe(e)));
    for (const pod of store.list(pods)) setImmediate(() => this.#sync(pod));
  }

  /** Pods the kubelet is running or finishing right now. */
  get activePods(): number {
    return [...this.#runs.values()].filter((r) => r.state !== 'done').length;
  }

  /** Status writes held back because their node is not Ready (they are sent when it is). */
  get unreported(): number {
    let n = 0;
    for (const run of this.#runs.values()) n += run.unsent.length;
    return n;
  }

  stop(): void {
    // Reactions already queued (setImmediate) must not start timers after this.
    this.#stopped = true;
    this.#unsubscribe();
    for (const run of this.#runs.values()) this.#clearTimers(run);
    this.#runs.clear();
  }

  #nodeReady(name: string): boolean {
    const node = this.#store.get(nodes, undefined, name);
    return (node?.status?.conditions ?? []).some(
      (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
    );
  }

  #observe(e: StoreEvent): void {
    if (this.#stopped) return;
    if (e.resource === 'nodes' && e.type !== 'DELETED' && this.#nodeReady(e.object.metadata.name as string)) {
      this.#nodeBack(e.object.metadata.name as string);
    }
    if (e.resource !== 'pods') return;
    if (e.type === 'DELETED') {
      this.#forget(e.object.metadata.uid as string);
      return;
    }
    const current = this.#store.get(pods, e.object.metadata.namespace, e.object.metadata.name as string);
    if (current && current.metadata.uid === e.object.metadata.uid) this.#sync(current);
  }

  #nodeBack(node: string): void {
    for (const run of this.#runs.values()) {
      if (run.node !== node) continue;
      const unsent = run.unsent.splice(0);
      for (const write of unsent) write();
    }
    for (const pod of this.#store.list(pods)) if (pod.spec.nodeName === node) this.#sync(pod);
  }

  #sync(pod: KubeObject): void {
    if (this.#stopped) return;
    const node = pod.spec.nodeName;
    if (!node || !this.#nodeReady(node)) return;
    let run = this.#runs.get(pod.metadata.uid as string);
    if (!run) {
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
      run = this.#accept(pod, node);
    }
    if (pod.metadata.deletionTimestamp && run.state !== 'terminating') this.#terminate(run, pod);
  }

  #accept(pod: KubeObject, node: string): PodRun {
    const script = { ...scriptFromAnnotations(pod), ...(this.#options.script?.(pod) ?? {}) };
    const run: PodRun = {
      namespace: pod.metadata.namespace as string,
      name: pod.metadata.name as string,
      uid: pod.metadata.uid as string,
      node,
      script: {
        exitCode: 0,
        durationMs: this.#options.defaultDurationMs,
        startDelayMs: this.#options.startDelayMs,
        sigtermExitMs: 0,
        sigtermExitCode: 143,
        ...script,
      },
      requests: podRequests(pod),
      containers: pod.spec.containers.map((c: { name: string; image: string }) => ({
        name: c.name,
        image: c.image,
      })),
      restartPolicy: pod.spec.restartPolicy ?? 'Always',
      state: 'starting',
      restarts: 0,
      logged: 0,
      timers: new Set(),
      unsent: [],
    };
    const rejection = this.#admit(run);
    this.#runs.set(run.uid, run);
    const now = kubeTime();
    if (rejection) {
      run.state = 'done';
      this.#write(run, (p) => {
        p.status.phase = 'Failed';
        p.status.reason = rejection.reason;
        p.status.message = rejection.message;
        p.status.startTime = now;
      });
      return run;
    }
    this.#write(run, (p) => {
      p.status.phase = 'Pending';
      p.status.hostIP = '10.0.0.1';
      p.status.startTime = now;
      p.status.conditions = [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now },
      ];
      p.status.containerStatuses = run.containers.map((c) => ({
        ...containerBase(run, c),
        state: { waiting: { reason: 'ContainerCreating' } },
      }));
    });
    const deadline = pod.spec.activeDeadlineSeconds;
    if (typeof deadline === 'number') {
      this.#after(run, deadline * this.#options.msPerSecond, () => this.#deadline(run));
    }
    this.#after(run, run.script.startDelayMs, () => this.#start(run));
    return run;
  }

  /**
   * The kubelet's resource admission: a pod whose requests do not fit next to the pods already
   * running on the node fails with reason OutOf<resource>, as a real kubelet rejects it.
   */
  #admit(run: PodRun): { reason: string; message: string } | undefined {
    const node = this.#store.get(nodes, undefined, run.node);
    const allocatable: Record<string, string> = node?.status?.allocatable ?? {};
    for (const [resource, requested] of run.requests) {
      if (requested <= 0) continue;
      const capacity = allocatable[resource] === undefined ? 0 : parseQuantity(allocatable[resource]);
      let used = 0;
      for (const other of this.#runs.values()) {
        if (other.node === run.node && other.state !== 'done') used += other.requests.get(resource) ?? 0;
      }
      if (used + requested > capacity) {
        return {
          reason: `OutOf${resource}`,
          message: `Pod was rejected: Node didn't have enough resource: ${resource}, requested: ${requested}, used: ${used}, capacity: ${capacity}`,
        };
      }
    }
    return undefined;
  }

  #start(run: PodRun): void {
    run.state = 'running';
    run.startedAt = kubeTime();
    const podIP = `10.244.${(nextPodIp >> 8) & 255}.${nextPodIp++ & 255}`;
    this.#write(run, (p) => {
      p.status.phase = 'Running';
      p.status.podIP = podIP;
      p.status.podIPs = [{ ip: podIP }];
      setCondition(p, 'ContainersReady', 'True');
      setCondition(p, 'Ready', 'True');
      p.status.containerStatuses = run.containers.map((c) => ({
        ...containerBase(run, c),
        ready: true,
        started: true,
        state: { running: { startedAt: run.startedAt } },
      }));
    });
    const { logs = [], durationMs } = run.script;
    run.logged = 0;
    const step = Number.isFinite(durationMs) && logs.length > 0 ? durationMs / logs.length : 0;
    this.#writeLogs(run, 1);
    for (let i = 2; i <= logs.length; i++) this.#after(run, (i - 1) * step, () => this.#writeLogs(run, i));
    if (Number.isFinite(durationMs)) {
      this.#after(run, durationMs, () =>
        this.#exit(run, run.script.exitCode, run.script.reason, run.script.message),
      );
    }
  }

  /** Writes the script's log lines up to the `upTo`th. */
  #writeLogs(run: PodRun, upTo: number): void {
    const lines = run.script.logs ?? [];
    for (; run.logged < Math.min(upTo, lines.length); run.logged++) {
      for (const c of run.containers) this.#logs.write(run.uid, c.name, lines[run.logged] as string);
    }
  }

  /** Every container exits with `code`; the pod finishes unless its restartPolicy restarts them. */
  #exit(run: PodRun, code: number, reason?: string, message?: string, podReason?: string): void {
    // A process's output is all written by the time it exits normally.
    if (podReason === undefined && run.state === 'running') this.#writeLogs(run, Number.POSITIVE_INFINITY);
    const restart =
      run.state !== 'terminating' &&
      podReason === undefined &&
      (run.restartPolicy === 'Always' || (run.restartPolicy === 'OnFailure' && code !== 0));
    this.#clearTimers(run, !restart);
    const finishedAt = kubeTime();
    const terminated = {
      exitCode: code,
      reason: reason ?? (code === 0 ? 'Completed' : 'Error'),
      ...(message ? { message } : {}),
      startedAt: run.startedAt ?? finishedAt,
      finishedAt,
      containerID: `fake://${run.uid}`,
    };
    if (restart) {
      run.restarts++;
      run.lastTerminated = terminated;
      this.#write(run, (p) => {
        setCondition(p, 'ContainersReady', 'False');
        setCondition(p, 'Ready', 'False');
        p.status.containerStatuses = run.containers.map((c) => ({
          ...containerBase(run, c),
          state: { waiting: { reason: 'CrashLoopBackOff' } },
        }));
      });
      this.#after(run, run.script.startDelayMs, () => this.#start(run));
      return;
    }
    const wasTerminating = run.state === 'terminating';
    run.state = 'done';
    for (const c of run.containers) this.#logs.end(run.uid, c.name);
    this.#write(run, (p) => {
      p.status.phase = code === 0 && podReason === undefined ? 'Succeeded' : 'Failed';
      if (podReason) {
        p.status.reason = podReason;
        p.status.message = 'Pod was active on the node longer than the specified deadline';
      }
      setCondition(p, 'ContainersReady', 'False', 'PodCompleted');
      setCondition(p, 'Ready', 'False', 'PodCompleted');
      p.status.containerStatuses = run.containers.map((c) => ({
        ...containerBase(run, c),
        state: { terminated },
      }));
    });
    if (wasTerminating) this.#removeWhenReachable(run);
  }

  #deadline(run: PodRun): void {
    if (run.state === 'done') return;
    this.#exit(run, 137, 'Error', undefined, 'DeadlineExceeded');
  }

  /** deletionTimestamp seen: SIGTERM now, SIGKILL when the grace period ends, then the pod is removed. */
  #terminate(run: PodRun, pod: KubeObject): void {
    if (run.state === 'done') {
      this.#removeWhenReachable(run);
      return;
    }
    const wasStarted = run.state === 'running';
    run.state = 'terminating';
    this.#clearTimers(run);
    if (!wasStarted) {
      // Nothing ran yet: the pod goes without a terminal status, as a real kubelet does.
      run.state = 'done';
      this.#removeWhenReachable(run);
      return;
    }
    const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 30) * this.#options.msPerSecond;
    if (run.script.sigtermExitMs <= graceMs) {
      this.#after(run, run.script.sigtermExitMs, () => this.#exit(run, run.script.sigtermExitCode));
    } else {
      this.#after(run, graceMs, () => this.#exit(run, 137, 'Error'));
    }
  }

  #removeWhenReachable(run: PodRun): void {
    this.#send(run, () => {
      const pod = this.#store.get(pods, run.namespace, run.name);
      if (pod?.metadata.uid === run.uid) this.#store.remove(pods, run.namespace, run.name, { uid: run.uid });
    });
  }

  #forget(uid: string): void {
    const run = this.#runs.get(uid);
    if (run) {
      this.#clearTimers(run);
      for (const c of run.containers) this.#logs.end(uid, c.name);
      this.#runs.delete(uid);
    }
    this.#logs.forget(uid);
  }

  #write(run: PodRun, change: (pod: KubeObject) => void): void {
    this.#send(run, () => {
      const pod = this.#store.get(pods, run.namespace, run.name);
      if (pod?.metadata.uid !== run.uid) return;
      this.#store.mutate(pods, run.namespace, run.name, change);
    });
  }

  #send(run: PodRun, write: () => void): void {
    if (this.#nodeReady(run.node)) write();
    else run.unsent.push(write);
  }

  #after(run: PodRun, ms: number, fn: () => void): void {
    // setTimeout fires at once for delays past 2^31-1 ms; such an event simply never comes.
    if (this.#stopped || !(ms <= 2_147_483_647)) return;
    const t = setTimeout(() => {
      run.timers.delete(t);
      fn();
    }, ms);
    run.timers.add(t);
  }

  #clearTimers(run: PodRun, all = true): void {
    if (!all) return;
    for (const t of run.timers) clearTimeout(t);
    run.timers.clear();
  }
}

function containerBase(run: PodRun, c: { name: string; image: string }) {
  return {
    name: c.name,
    image: c.image,
    imageID: `fake://${c.image}`,
    containerID: `fake://${run.uid}`,
    ready: false,
    started: false,
    restartCount: run.restarts,
    ...(run.lastTerminated ? { lastState: { terminated: run.lastTerminated } } : {}),
  };
}

function setCondition(pod: KubeObject, type: string, status: string, reason?: string): void {
  const conditions: Array<{ type: string; status: string }> = pod.status.conditions ?? [];
  const existing = conditions.find((c) => c.type === type);
  const next = { type, status, ...(reason ? { reason } : {}), lastTransitionTime: kubeTime() };
  if (!existing) conditions.push(next);
  else if (existing.status !== status) Object.assign(existing, next);
  pod.status.conditions = conditions;
}
