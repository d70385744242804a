// The executors of every compute environment the leader serves, as one Executor: nodes are the union
// (each labelled with its environment), and an attempt goes to the executor that owns its node. Compute
// environments may be added while the service runs (a simulated one created over the API).
import type { AttemptRequest } from '../../runner/protocol.ts';
import type { NodeState, Placement } from '../core/types.ts';
import type { AttemptHooks, AttemptOutcome, Executor, InterruptCause, UndrivenAttempt } from './executor.ts';

/** The node label naming a node's compute environment (API processes filter published nodes by it). */
export const COMPUTE_ENVIRONMENT_LABEL = 'gpubatch.io/compute-environment';

/** The compute environment a labelled node belongs to ('' for a node published without the label). */
export function environmentLabel(node: NodeState): string {
  return node.labels[COMPUTE_ENVIRONMENT_LABEL] ?? '';
}

export interface EnvironmentExecutor {
  name: string;
  /** Its placement policy (scorer). */
  scorer?: string;
  executor: Executor;
}

export class EnvironmentExecutors implements Executor {
  private readonly entries: EnvironmentExecutor[] = [];
  /** Which environment each node belongs to, as of the last nodes() (the first to name a node keeps it). */
  private owners = new Map<string, EnvironmentExecutor>();
  private readonly capacityListeners: Array<() => void> = [];
  /** The executor each job's latest attempt went to, until forget(): interrupts and clean-up go there. */
  private readonly ranOn = new Map<string, Executor>();
  /** Undriven attempts by the executor that reported them (orphans are removed by it). */
  private readonly undrivenBy = new WeakMap<UndrivenAttempt, Executor>();

  constructor(entries: readonly EnvironmentExecutor[] = []) {
    for (const entry of entries) this.add(entry);
  }

  /** Serves one more compute environment; its nodes count from the next cycle on. */
  add(entry: EnvironmentExecutor): void {
    if (this.entries.some((e) => e.name === entry.name))
      throw new Error(`compute environment ${entry.name} is served already`);
    this.entries.push(entry);
    entry.executor.onCapacityChange?.(() => {
      for (const listener of this.capacityListeners) listener();
    });
    for (const listener of this.capacityListeners) listener();
  }

  has(name: string): boolean {
    return this.entries.some((e) => e.name === name);
  }

  /** The environments served, in the order they were added (the config's, then those created later). */
  environments(): readonly EnvironmentExecutor[] {
    return this.entries;
  }

  /** One environment's nodes at full capacity, labelled, without the names an earlier environment has. */
  nodesOf(name: string): NodeState[] {
    return this.nodes().filter((node) => node.labels[COMPUTE_ENVIRONMENT_LABEL] === name);
  }

  nodes(): NodeState[] {
    const owners = new Map<string, EnvironmentExecutor>();
    const nodes: NodeState[] = [];
    for (const entry of this.entries) {
      for (const node of entry.executor.nodes()) {
        if (owners.has(node.name)) continue; // a node name must be unique across environments
        owners.set(node.name, entry);
        nodes.push({ ...node, labels: { ...node.labels, [COMPUTE_ENVIRONMENT_LABEL]: entry.name } });
      }
    }
    this.owners = owners;
    return nodes;
  }

  /** The compute environment a node belongs to (recorded on each attempt). */
  environmentOf(node: string): string | undefined {
    return this.ownerOf(node)?.name;
  }

  run(request: AttemptRequest, placement: Placement, hooks: AttemptHooks): Promise<AttemptOutcome> {
    const owner = this.ownerOf(placement.node);
    if (!owner)
      return Promise.resolve({
        kind: 'lost',
        code: 'NODE_LOST',
        reason: `node ${placement.node} belongs to no compute environment served here`,
      });
    this.ranOn.set(request.jobId, owner.executor);
    return owner.executor.run(request, placement, hooks);
  }

  /** To the executor running the job; when none is known (a waiting job), to all: each ignores others' jobs. */
  interrupt(jobId: string, by: InterruptCause, reason: string): void {
    const executor = this.ranOn.get(jobId);
    if (executor) executor.interrupt(jobId, by, reason);
    else for (const entry of this.entries) entry.executor.interrupt(jobId, by, reason);
  }

  async close(): Promise<void> {
    await Promise.all(this.entries.map(({ executor }) => executor.close()));
  }

  async reattach(
    request: AttemptRequest,
    placement: Placement,
    hooks: AttemptHooks,
  ): Promise<AttemptOutcome | undefined> {
    const executor = this.ownerOf(placement.node)?.executor;
    if (!executor?.reattach) return undefined;
    this.ranOn.set(request.jobId, executor);
    return executor.reattach(request, placement, hooks);
  }

  onCapacityChange(listener: () => void): void {
    this.capacityListeners.push(listener);
  }

  /** Only the executor that ran it keeps anything of an attempt (a Kubernetes pod, for its logs). */
  forget(jobId: string, attempt: number): void {
    const executor = this.ranOn.get(jobId);
    this.ranOn.delete(jobId);
    executor?.forget?.(jobId, attempt);
  }

  undriven(): UndrivenAttempt[] {
    const all: UndrivenAttempt[] = [];
    for (const { executor } of this.entries) {
      for (const attempt of executor.undriven?.() ?? []) {
        this.undrivenBy.set(attempt, executor);
        all.push(attempt);
      }
    }
    return all;
  }

  async removeOrphan(attempt: UndrivenAttempt): Promise<void> {
    await this.undrivenBy.get(attempt)?.removeOrphan?.(attempt);
  }

  private ownerOf(node: string): EnvironmentExecutor | undefined {
    const owner = this.owners.get(node);
    if (owner) return owner;
    this.nodes(); // a node that joined since the last look
    return this.owners.get(node);
  }
}
