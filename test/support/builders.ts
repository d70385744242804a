// Builders for scheduler-core tests: jobs read like `job().gpus(2).queue('a').build()`,
// clusters like `gpuNodes(4, { gpus: 8 })`.
import {
  type GpuState,
  MILLI_PER_GPU,
  type NodeState,
  type PendingJob,
  type Placement,
  type ResourceRequest,
  type RunningJob,
  type Snapshot,
} from '../../scheduler/core/index.ts';

let nextJobNumber = 1;

export class JobBuilder {
  #id = `job-${nextJobNumber++}`;
  #queue = 'default';
  #priority = 0;
  #submittedAt = 0;
  #resources: ResourceRequest = { gpus: 0, gpuMilli: 0, gpuModel: [], cpuMilli: 1000, memoryMiB: 1024 };
  #extra: Partial<PendingJob> = {};

  id(id: string): this {
    this.#id = id;
    return this;
  }
  queue(queue: string): this {
    this.#queue = queue;
    return this;
  }
  priority(priority: number): this {
    this.#priority = priority;
    return this;
  }
  submittedAt(at: number): this {
    this.#submittedAt = at;
    return this;
  }
  /** Whole GPUs; clears any share. */
  gpus(gpus: number): this {
    this.#resources = { ...this.#resources, gpus, gpuMilli: 0 };
    return this;
  }
  /** A share of one GPU; clears any whole-GPU count. */
  gpuMilli(gpuMilli: number): this {
    this.#resources = { ...this.#resources, gpus: 0, gpuMilli };
    return this;
  }
  gpuModel(...models: string[]): this {
    this.#resources = { ...this.#resources, gpuModel: models };
    return this;
  }
  cpu(cpuMilli: number): this {
    this.#resources = { ...this.#resources, cpuMilli };
    return this;
  }
  memory(memoryMiB: number): this {
    this.#resources = { ...this.#resources, memoryMiB };
    return this;
  }
  queuePriority(queuePriority: number): this {
    this.#extra = { ...this.#extra, queuePriority };
    return this;
  }
  /** Fair-share identifier. */
  share(share: string): this {
    this.#extra = { ...this.#extra, share };
    return this;
  }
  /** A gang of `nodes` members, each with this job's resources. */
  gang(nodes: number): this {
    this.#extra = { ...this.#extra, nodes };
    return this;
  }
  sameLabel(label: string): this {
    this.#extra = { ...this.#extra, sameLabel: label };
    return this;
  }
  expectedDuration(ms: number): this {
    this.#extra = { ...this.#extra, expectedDurationMs: ms };
    return this;
  }
  canPreempt(): this {
    this.#extra = { ...this.#extra, canPreempt: true };
    return this;
  }
  build(): PendingJob {
    return {
      id: this.#id,
      queue: this.#queue,
      priority: this.#priority,
      submittedAt: this.#submittedAt,
      resources: { ...this.#resources, gpuModel: [...this.#resources.gpuModel] },
      ...this.#extra,
    };
  }
  /** Just the request, for neverFits. */
  resources(): ResourceRequest {
    return this.build().resources;
  }
}

/** Defaults: CPU-only, 1000 milli CPU, 1 GiB, priority 0, submittedAt 0, queue 'default', a fresh id. */
export function job(): JobBuilder {
  return new JobBuilder();
}

/** `count` one-GPU jobs of a share, ids `${share}-0`, `-1`, ..., submitted in order from `from`. */
export function oneGpuJobs(share: string, count: number, from = 0): PendingJob[] {
  return Array.from({ length: count }, (_, n) =>
    job()
      .id(`${share}-${n}`)
      .share(share)
      .submittedAt(from + n)
      .gpus(1)
      .build(),
  );
}

export interface GpuNodeShape {
  gpus?: number;
  model?: string;
  cpuMilli?: number;
  memoryMiB?: number;
  namePrefix?: string;
  labels?: Record<string, string>;
}

/** `count` identical, empty, schedulable nodes named `${namePrefix}-0`, `-1`, ... */
export function gpuNodes(count: number, shape: GpuNodeShape = {}): NodeState[] {
  const { gpus = 8, model = 'H100', cpuMilli = 64_000, memoryMiB = 512 * 1024, namePrefix = 'node' } = shape;
  return Array.from({ length: count }, (_, n) => ({
    name: `${namePrefix}-${n}`,
    labels: { ...shape.labels },
    gpus: Array.from({ length: gpus }, (_, index): GpuState => ({ index, model, freeMilli: MILLI_PER_GPU })),
    cpuMilliTotal: cpuMilli,
    cpuMilliFree: cpuMilli,
    memoryMiBTotal: memoryMiB,
    memoryMiBFree: memoryMiB,
  }));
}

/** One node of the given shape. */
export function gpuNode(shape: GpuNodeShape & { name?: string } = {}): NodeState {
  const node = gpuNodes(1, shape)[0]!;
  return shape.name === undefined ? node : { ...node, name: shape.name };
}

/** A copy of the node with the listed GPUs fully in use. */
export function withUsedGpus(node: NodeState, indices: number[]): NodeState {
  return {
    ...node,
    gpus: node.gpus.map((gpu) => (indices.includes(gpu.index) ? { ...gpu, freeMilli: 0 } : { ...gpu })),
  };
}

/** A copy of the node with `milli` of GPU `index` in use. */
export function withGpuShareUsed(node: NodeState, index: number, milli: number): NodeState {
  return {
    ...node,
    gpus: node.gpus.map((gpu) =>
      gpu.index === index ? { ...gpu, freeMilli: gpu.freeMilli - milli } : { ...gpu },
    ),
  };
}

/** A copy of the node with CPU and memory partly in use. */
export function withUsed(node: NodeState, used: { cpuMilli?: number; memoryMiB?: number }): NodeState {
  return {
    ...node,
    cpuMilliFree: node.cpuMilliFree - (used.cpuMilli ?? 0),
    memoryMiBFree: node.memoryMiBFree - (used.memoryMiB ?? 0),
  };
}

/** A copy of the node that takes no new work. */
export function cordoned(node: NodeState): NodeState {
  return { ...node, unschedulable: true };
}

export function snapshot(...nodes: (NodeState | NodeState[])[]): Snapshot {
  return { nodes: nodes.flat() };
}

export class RunningJobBuilder {
  #job: RunningJob = {
    id: `running-${nextJobNumber++}`,
    queue: 'default',
    priority: 0,
    placements: [],
    startedAt: 0,
    expectedEndAt: Number.POSITIVE_INFINITY,
  };

  id(id: string): this {
    this.#job = { ...this.#job, id, placements: this.#job.placements.map((p) => ({ ...p, jobId: id })) };
    return this;
  }
  queue(queue: string): this {
    this.#job = { ...this.#job, queue };
    return this;
  }
  priority(priority: number): this {
    this.#job = { ...this.#job, priority };
    return this;
  }
  queuePriority(queuePriority: number): this {
    this.#job = { ...this.#job, queuePriority };
    return this;
  }
  share(share: string): this {
    this.#job = { ...this.#job, share };
    return this;
  }
  startedAt(at: number): this {
    this.#job = { ...this.#job, startedAt: at };
    return this;
  }
  endsAt(at: number): this {
    this.#job = { ...this.#job, expectedEndAt: at };
    return this;
  }
  /** Asked to stop for `forJobId` (preempted), expected gone by `by`. */
  stoppingFor(forJobId: string, by: number): this {
    this.#job = { ...this.#job, stopping: { forJobId, by } };
    return this;
  }

  preemptible(): this {
    this.#job = { ...this.#job, preemptible: true };
    return this;
  }
  /** Whole GPUs `gpuIndices` on `node` (one more gang member after the first), with CPU and memory. */
  on(node: string, gpuIndices: number[], used: { cpuMilli?: number; memoryMiB?: number } = {}): this {
    return this.#place({
      node,
      gpuIndices,
      gpuMilliPerGpu: gpuIndices.length > 0 ? MILLI_PER_GPU : 0,
      cpuMilli: used.cpuMilli ?? 1000,
      memoryMiB: used.memoryMiB ?? 1024,
    });
  }
  /** A `milli` share of GPU `index` on `node`. */
  shareOn(node: string, index: number, milli: number): this {
    return this.#place({ node, gpuIndices: [index], gpuMilliPerGpu: milli, cpuMilli: 1000, memoryMiB: 1024 });
  }
  build(): RunningJob {
    return {
      ...this.#job,
      placements: this.#job.placements.map((p) => ({ ...p, gpuIndices: [...p.gpuIndices] })),
    };
  }

  #place(placement: Omit<Placement, 'jobId' | 'member'>): this {
    const member = this.#job.placements.length;
    const full: Placement = { jobId: this.#job.id, ...placement, ...(member > 0 ? { member } : {}) };
    this.#job = { ...this.#job, placements: [...this.#job.placements, full] };
    return this;
  }
}

/** Defaults: queue 'default', priority 0, started at 0, no expected end, not preemptible, no placements. */
export function runningJob(): RunningJobBuilder {
  return new RunningJobBuilder();
}

/**
 * A snapshot with running work: copies of the nodes with each running job's capacity taken out, so the
 * snapshot is consistent (free capacity after running work).
 */
export function cluster(nodes: NodeState[], running: RunningJob[] = [], now = 0): Snapshot {
  const copies = new Map(
    nodes.map((node) => [
      node.name,
      { ...node, labels: { ...node.labels }, gpus: node.gpus.map((g) => ({ ...g })) },
    ]),
  );
  for (const job of running) {
    for (const placement of job.placements) {
      const node = copies.get(placement.node);
      if (node === undefined) throw new Error(`running job ${job.id} on unknown node ${placement.node}`);
      for (const gpu of node.gpus)
        if (placement.gpuIndices.includes(gpu.index)) gpu.freeMilli -= placement.gpuMilliPerGpu;
      node.cpuMilliFree -= placement.cpuMilli;
      node.memoryMiBFree -= placement.memoryMiB;
    }
  }
  return { nodes: [...copies.values()], running, now };
}
