// Properties of a cycle over random small clusters, running work and pending jobs (gangs, shares,
// preemption, backfill): whatever the input, these must hold.
import test from 'ava';
import fc from 'fast-check';
import {
  MILLI_PER_GPU,
  type NodeState,
  outranks,
  type PendingJob,
  type RunningJob,
  type ScheduleOptions,
  type Snapshot,
  schedule,
} from '../../scheduler/core/index.ts';
import { cluster, gpuNode, job, runningJob } from '../support/builders.ts';

const MODELS = ['A100', 'H100'];

const nodeArbitrary = fc.record({
  gpus: fc.integer({ min: 0, max: 8 }),
  model: fc.constantFrom(...MODELS),
  cpuMilli: fc.integer({ min: 2, max: 32 }).map((n) => n * 1000),
  memoryMiB: fc.integer({ min: 1, max: 64 }).map((n) => n * 1024),
  zone: fc.constantFrom('z1', 'z2', undefined),
  // Mostly schedulable; now and then a cordoned node.
  cordoned: fc.constantFrom(false, false, false, false, true),
});

/** What a running job would like to hold; it is kept only if it fits what is still free. */
const runningIntentArbitrary = fc.record({
  node: fc.nat(),
  gpus: fc.integer({ min: 0, max: 4 }),
  shareMilli: fc.constantFrom(0, 0, 250, 500),
  cpuMilli: fc.integer({ min: 0, max: 8 }).map((n) => n * 1000),
  memoryMiB: fc.integer({ min: 0, max: 8 }).map((n) => n * 1024),
  priority: fc.integer({ min: 0, max: 3 }),
  queuePriority: fc.integer({ min: 0, max: 1 }),
  preemptible: fc.boolean(),
  startedAt: fc.integer({ min: 0, max: 100 }),
  endsIn: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
  share: fc.constantFrom('a', 'b', ''),
});

const pendingArbitrary = fc.record({
  gpus: fc.integer({ min: 0, max: 4 }),
  shareMilli: fc.constantFrom(0, 0, 0, 300, 700),
  model: fc.constantFrom(undefined, ...MODELS),
  cpuMilli: fc.integer({ min: 0, max: 8 }).map((n) => n * 1000),
  memoryMiB: fc.integer({ min: 0, max: 8 }).map((n) => n * 1024),
  gang: fc.constantFrom(1, 1, 1, 2, 3),
  sameLabel: fc.boolean(),
  share: fc.constantFrom('a', 'b', 'c', ''),
  priority: fc.integer({ min: 0, max: 4 }),
  queuePriority: fc.integer({ min: 0, max: 1 }),
  canPreempt: fc.boolean(),
  duration: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
  submittedAt: fc.integer({ min: 0, max: 50 }),
});

const caseArbitrary = fc.record({
  nodes: fc.array(nodeArbitrary, { minLength: 1, maxLength: 5 }),
  running: fc.array(runningIntentArbitrary, { maxLength: 12 }),
  pending: fc.array(pendingArbitrary, { maxLength: 12 }),
  backfill: fc.boolean(),
  weights: fc.record({ a: fc.integer({ min: 1, max: 3 }), b: fc.integer({ min: 1, max: 3 }) }),
  usage: fc.record({ a: fc.integer({ min: 0, max: 100 }), c: fc.integer({ min: 0, max: 100 }) }),
  now: fc.integer({ min: 0, max: 200 }),
});

type CaseValue = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;

interface Built {
  snapshot: Snapshot;
  pending: PendingJob[];
  options: ScheduleOptions;
}

function build(value: CaseValue): Built {
  const nodes: NodeState[] = value.nodes.map((shape, n) => ({
    ...gpuNode({
      name: `n${n}`,
      gpus: shape.gpus,
      model: shape.model,
      cpuMilli: shape.cpuMilli,
      memoryMiB: shape.memoryMiB,
      labels: shape.zone === undefined ? {} : { zone: shape.zone },
    }),
    ...(shape.cordoned ? { unschedulable: true } : {}),
  }));
  // Track what is free so every running job really fits: the snapshot must be consistent.
  const free = nodes.map((node) => ({
    gpus: node.gpus.map(() => MILLI_PER_GPU),
    cpu: node.cpuMilliFree,
    memory: node.memoryMiBFree,
  }));
  const running: RunningJob[] = [];
  value.running.forEach((intent, n) => {
    const at = intent.node % nodes.length;
    const room = free[at]!;
    if (room.cpu < intent.cpuMilli || room.memory < intent.memoryMiB) return;
    const builder = runningJob()
      .id(`r${n}`)
      .priority(intent.priority)
      .queuePriority(intent.queuePriority)
      .share(intent.share)
      .startedAt(intent.startedAt)
      .endsAt(intent.endsIn === undefined ? Number.POSITIVE_INFINITY : value.now + intent.endsIn);
    if (intent.preemptible) builder.preemptible();
    const used = { cpuMilli: intent.cpuMilli, memoryMiB: intent.memoryMiB };
    if (intent.gpus > 0) {
      const whole = room.gpus.flatMap((milli, index) => (milli === MILLI_PER_GPU ? [index] : []));
      if (whole.length < intent.gpus) return;
      const taken = whole.slice(0, intent.gpus);
      for (const index of taken) room.gpus[index] = 0;
      builder.on(`n${at}`, taken, used);
    } else if (intent.shareMilli > 0) {
      const index = room.gpus.findIndex((milli) => milli >= intent.shareMilli);
      // shareOn takes 1000 milli CPU and 1 GiB: account for it.
      if (index < 0 || room.cpu < 1000 || room.memory < 1024) return;
      room.gpus[index]! -= intent.shareMilli;
      builder.shareOn(`n${at}`, index, intent.shareMilli);
      room.cpu -= 1000;
      room.memory -= 1024;
      running.push(builder.build());
      return;
    } else {
      builder.on(`n${at}`, [], used);
    }
    room.cpu -= intent.cpuMilli;
    room.memory -= intent.memoryMiB;
    running.push(builder.build());
  });
  const pending = value.pending.map((shape, n) => {
    const builder = job()
      .id(`p${n}`)
      .priority(shape.priority)
      .queuePriority(shape.queuePriority)
      .share(shape.share)
      .submittedAt(shape.submittedAt)
      .cpu(shape.cpuMilli)
      .memory(shape.memoryMiB)
      .gang(shape.gang);
    if (shape.gpus > 0) builder.gpus(shape.gpus);
    else if (shape.shareMilli > 0) builder.gpuMilli(shape.shareMilli);
    if (shape.model !== undefined) builder.gpuModel(shape.model);
    if (shape.sameLabel) builder.sameLabel('zone');
    if (shape.canPreempt) builder.canPreempt();
    if (shape.duration !== undefined) builder.expectedDuration(shape.duration);
    return builder.build();
  });
  return {
    snapshot: cluster(nodes, running, value.now),
    pending,
    options: { backfill: value.backfill, fairShare: { weights: value.weights, usage: value.usage } },
  };
}

const PARAMETERS = { numRuns: 300, seed: 20_240_601 };

test('no placement over-commits any GPU, CPU or memory, and GPUs are of an allowed model', (t) => {
  fc.assert(
    fc.property(caseArbitrary, (value) => {
      const { snapshot, pending, options } = build(value);
      const result = schedule(snapshot, pending, options);
      const nodes = new Map(snapshot.nodes.map((node) => [node.name, structuredClone(node)]));
      const byId = new Map(pending.map((p) => [p.id, p]));
      for (const placement of result.placements) {
        const node = nodes.get(placement.node)!;
        const request = byId.get(placement.jobId)!.resources;
        for (const index of placement.gpuIndices) {
          const gpu = node.gpus.find((g) => g.index === index)!;
          if (request.gpuModel.length > 0 && !request.gpuModel.includes(gpu.model)) return false;
          gpu.freeMilli -= placement.gpuMilliPerGpu;
        }
        node.cpuMilliFree -= placement.cpuMilli;
        node.memoryMiBFree -= placement.memoryMiB;
        if (node.unschedulable) return false;
      }
      for (const node of nodes.values()) {
        if (node.cpuMilliFree < 0 || node.memoryMiBFree < 0) return false;
        if (node.gpus.some((gpu) => gpu.freeMilli < 0)) return false;
      }
      return true;
    }),
    PARAMETERS,
  );
  t.pass();
});

test('a gang is all or nothing: all members on distinct nodes (one label value with sameLabel), or none', (t) => {
  fc.assert(
    fc.property(caseArbitrary, (value) => {
      const { snapshot, pending, options } = build(value);
      const result = schedule(snapshot, pending, options);
      const labels = new Map(snapshot.nodes.map((node) => [node.name, node.labels]));
      for (const job of pending) {
        const mine = result.placements.filter((p) => p.jobId === job.id);
        const members = job.nodes ?? 1;
        if (mine.length !== 0 && mine.length !== members) return false;
        if (mine.length === 0) continue;
        if (new Set(mine.map((p) => p.node)).size !== mine.length) return false;
        if (members > 1) {
          const indices = mine.map((p) => p.member).sort();
          if (indices.join() !== Array.from({ length: members }, (_, n) => n).join()) return false;
          if (job.sameLabel !== undefined) {
            const values = new Set(mine.map((p) => labels.get(p.node)![job.sameLabel!]));
            if (values.size !== 1 || values.has(undefined)) return false;
          }
        }
      }
      // Every pending job is either placed or waits with a reason, never both, never neither.
      const placed = new Set(result.placements.map((p) => p.jobId));
      const waiting = result.unschedulable.map((u) => u.jobId);
      return (
        waiting.every((id) => !placed.has(id)) &&
        new Set(waiting).size === waiting.length &&
        placed.size + waiting.length === pending.length
      );
    }),
    PARAMETERS,
  );
  t.pass();
});

test('preemption never names a victim of equal or higher priority, a protected one, or one twice', (t) => {
  let preempted = 0;
  fc.assert(
    fc.property(caseArbitrary, (value) => {
      const { snapshot, pending, options } = build(value);
      const result = schedule(snapshot, pending, options);
      const running = new Map((snapshot.running ?? []).map((r) => [r.id, r]));
      const byId = new Map(pending.map((p) => [p.id, p]));
      const seen = new Set<string>();
      for (const { jobId, forJobId } of result.preemptions ?? []) {
        preempted++;
        const victim = running.get(jobId);
        const preemptor = byId.get(forJobId);
        if (victim === undefined || preemptor === undefined) return false;
        if (victim.preemptible !== true || preemptor.canPreempt !== true) return false;
        if (!outranks(preemptor, victim)) return false;
        if (seen.has(jobId)) return false;
        seen.add(jobId);
        // The preemptor waits for its victims; it is not placed in this cycle.
        if (result.placements.some((p) => p.jobId === forJobId)) return false;
      }
      return true;
    }),
    PARAMETERS,
  );
  t.log(`${preempted} preemptions checked`);
  t.true(preempted > 0, 'the generated cases should exercise preemption');
});

test('the same input gives the same placements, preemptions and reservations, and the input is not changed', (t) => {
  fc.assert(
    fc.property(caseArbitrary, (value) => {
      const { snapshot, pending, options } = build(value);
      const before = structuredClone({ snapshot, pending, options });
      const first = schedule(snapshot, pending, options);
      const second = schedule(structuredClone(snapshot), structuredClone(pending), structuredClone(options));
      t.deepEqual(first, second);
      t.deepEqual({ snapshot, pending, options }, before);
    }),
    { ...PARAMETERS, numRuns: 150 },
  );
});
