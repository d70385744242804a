// Free capacity = the executor's nodes minus what running attempts hold (the "assume" side of
// assume -> bind -> roll back: capacity is taken when the core places a job, released when it ends).
// Each hold also remembers what the core needs to know about the running job (preemption, backfill).
import type { NodeState, Placement, RunningJob, Snapshot } from './core/types.ts';
import { type Lane, laneOfRunning } from './lanes.ts';

export class Allocations {
  private readonly held = new Map<string, RunningJob>();

  /** Holds the job's placements (one per gang member) until release(). */
  hold(job: RunningJob): void {
    this.held.set(job.id, job);
  }

  /** Idempotent: releasing twice (a failed bind, then the attempt's end) is harmless. */
  release(jobId: string): void {
    this.held.delete(jobId);
  }

  /** The job was asked to stop for `forJobId`; it keeps its capacity until release(), expected by `by`. */
  markStopping(jobId: string, forJobId: string, by: number): void {
    const job = this.held.get(jobId);
    if (job !== undefined) this.held.set(jobId, { ...job, stopping: { forJobId, by } });
  }

  /** What the job holds, or undefined when it holds nothing. */
  heldBy(jobId: string): RunningJob | undefined {
    return this.held.get(jobId);
  }

  queueOf(jobId: string): string | undefined {
    return this.held.get(jobId)?.queue;
  }

  holds(jobId: string): boolean {
    return this.held.has(jobId);
  }

  get size(): number {
    return this.held.size;
  }

  /** Jobs of a queue holding capacity now. */
  /** Jobs of a queue holding capacity now, by size lane (lanes with none are absent). */
  countInQueueByLane(queue: string): Map<Lane, number> {
    const counts = new Map<Lane, number>();
    for (const job of this.held.values())
      if (job.queue === queue) counts.set(laneOfRunning(job), (counts.get(laneOfRunning(job)) ?? 0) + 1);
    return counts;
  }

  countInQueue(queue: string): number {
    let count = 0;
    for (const job of this.held.values()) if (job.queue === queue) count++;
    return count;
  }

  snapshot(nodes: NodeState[], now: number): Snapshot {
    const byName = new Map(nodes.map((node) => [node.name, structuredClone(node)]));
    for (const job of this.held.values()) {
      for (const placement of job.placements) take(byName.get(placement.node), placement);
    }
    return { nodes: [...byName.values()], running: [...this.held.values()], now };
  }
}

function take(node: NodeState | undefined, placement: Placement): void {
  if (!node) return;
  node.cpuMilliFree -= placement.cpuMilli;
  node.memoryMiBFree -= placement.memoryMiB;
  for (const index of placement.gpuIndices) {
    const gpu = node.gpus.find((g) => g.index === index);
    if (gpu) gpu.freeMilli -= placement.gpuMilliPerGpu;
  }
}
