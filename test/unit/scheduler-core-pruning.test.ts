// The shortcuts of a full cluster must not change any answer: the allocation-free filter check agrees with
// the filters, the one-pass explanation agrees with the reference (every filter on every node), and a
// request shape pruned as harder than a refused one truly fits nowhere.
import test from 'ava';
import fc from 'fast-check';
import { failuresOf, passesAll } from '../../scheduler/core/filters.ts';
import {
  explainUnschedulable,
  type NodeState,
  type PendingJob,
  type ResourceRequest,
  schedule,
  type UnschedulableReason,
} from '../../scheduler/core/index.ts';
import { harder } from '../../scheduler/core/refusals.ts';
import type { ReadonlyWorkingNode } from '../../scheduler/core/working-node.ts';
import { toWorkingNode } from '../../scheduler/core/working-node.ts';
import { gpuNode } from '../support/builders.ts';

const arbitraryNode = fc
  .record({
    gpus: fc.constantFrom(0, 1, 2, 4),
    models: fc.array(fc.constantFrom('A100', 'T4', 'H100'), { minLength: 4, maxLength: 4 }),
    used: fc.array(fc.constantFrom(0, 250, 500, 750, 1000), { minLength: 4, maxLength: 4 }),
    cpuFree: fc.constantFrom(0, 2000, 8000, 16_000),
    memoryFree: fc.constantFrom(0, 4096, 32_768, 65_536),
    unschedulable: fc.constantFrom(false, false, false, false, false, false, true),
  })
  .map(({ gpus, models, used, cpuFree, memoryFree, unschedulable }): NodeState => {
    const node = gpuNode({ gpus, model: 'A100', cpuMilli: 16_000, memoryMiB: 65_536 });
    return {
      ...node,
      unschedulable,
      cpuMilliFree: cpuFree,
      memoryMiBFree: memoryFree,
      gpus: node.gpus.map((gpu) => ({
        ...gpu,
        model: models[gpu.index]!,
        freeMilli: 1000 - used[gpu.index]!,
      })),
    };
  });

const arbitraryRequest = fc
  .record({
    kind: fc.constantFrom('whole', 'share', 'cpu'),
    gpus: fc.integer({ min: 1, max: 4 }),
    milli: fc.constantFrom(100, 250, 500, 750, 999),
    model: fc.constantFrom<string[]>([], ['A100'], ['T4'], ['A100', 'T4'], ['H100'], ['L4']),
    cpu: fc.constantFrom(0, 1000, 2000, 8000, 16_000, 20_000),
    memory: fc.constantFrom(0, 1024, 4096, 32_768, 70_000),
  })
  .map(
    ({ kind, gpus, milli, model, cpu, memory }): ResourceRequest => ({
      gpus: kind === 'whole' ? gpus : 0,
      gpuMilli: kind === 'share' ? milli : 0,
      gpuModel: model,
      cpuMilli: cpu,
      memoryMiB: memory,
    }),
  );

const workingNodes = (nodes: NodeState[]) =>
  nodes.map((node, n) => toWorkingNode({ ...node, name: `n${n}` }, n));

test('the allocation-free filter check agrees with every filter', (t) => {
  fc.assert(
    fc.property(arbitraryNode, arbitraryRequest, (node, request) => {
      const [working] = workingNodes([node]);
      return passesAll(working!, request) === (failuresOf(working!, request).length === 0);
    }),
    { numRuns: 2000, seed: 7 },
  );
  t.pass();
});

test('the one-pass explanation gives the reference reason, with nodes in any order and repeated', (t) => {
  fc.assert(
    fc.property(fc.array(arbitraryNode, { maxLength: 8 }), arbitraryRequest, (nodes, request) => {
      const working = workingNodes(nodes);
      const expected = referenceExplanation(working, request);
      t.deepEqual(explainUnschedulable(working, request), expected);
      t.deepEqual(explainUnschedulable([...working, ...working].reverse(), request), expected);
    }),
    { numRuns: 1000, seed: 11 },
  );
});

test('a request harder than another fits only nodes the other fits', (t) => {
  fc.assert(
    fc.property(arbitraryNode, arbitraryRequest, arbitraryRequest, (node, request, than) => {
      fc.pre(harder(request, than));
      const [working] = workingNodes([node]);
      return !passesAll(working!, request) || passesAll(working!, than);
    }),
    { numRuns: 3000, seed: 13 },
  );
  t.pass();
});

test('a job the cycle refuses (searched or pruned) fits nowhere once the jobs before it are placed', (t) => {
  // Refused-shape pruning skips searches: each refused job must truly fit nowhere once the jobs before it
  // have been placed (a cycle of exactly those jobs places them the same way).
  fc.assert(
    fc.property(
      fc.array(arbitraryNode, { minLength: 1, maxLength: 6 }),
      fc.array(arbitraryRequest, { minLength: 1, maxLength: 30 }),
      (nodes, requests) => {
        const named = nodes.map((node, n) => ({ ...node, name: `n${n}` }));
        const pending: PendingJob[] = requests.map((resources, n) => ({
          id: `j${n}`,
          queue: 'q',
          priority: 0,
          submittedAt: n,
          resources,
        }));
        const result = schedule({ nodes: named }, pending, { scorer: 'best-fit', backfill: false });
        t.is(result.placements.length + result.unschedulable.length, pending.length);
        // Replay one job at a time: each job's fate must be what a cycle of exactly the jobs before it gives.
        const placed = new Set(result.placements.map((p) => p.jobId));
        for (const { jobId, reason } of result.unschedulable) {
          const n = Number(jobId.slice(1));
          const before = schedule({ nodes: named }, pending.slice(0, n), {
            scorer: 'best-fit',
            backfill: false,
          });
          const after = new Map(named.map((node) => [node.name, structuredClone(node)]));
          for (const p of before.placements) {
            const node = after.get(p.node)!;
            for (const index of p.gpuIndices)
              node.gpus.find((gpu) => gpu.index === index)!.freeMilli -= p.gpuMilliPerGpu;
            node.cpuMilliFree -= p.cpuMilli;
            node.memoryMiBFree -= p.memoryMiB;
          }
          const nowNodes = workingNodes([...after.values()]);
          const nowReason = referenceExplanation(nowNodes, pending[n]!.resources);
          t.not(nowReason, undefined, `${jobId} was refused but fits`);
          t.not(reason, undefined);
        }
        t.true(placed.size === result.placements.length);
      },
    ),
    { numRuns: 150, seed: 17 },
  );
});

/** The explanation as first written: every filter on every distinct node state, reasons merged. */
function referenceExplanation(
  nodes: readonly ReadonlyWorkingNode[],
  request: ResourceRequest,
): UnschedulableReason | undefined {
  const schedulable = nodes.filter((node) => !node.unschedulable);
  if (schedulable.length === 0) return { kind: 'NoNodes' };
  const perNode = schedulable.map((node) => failuresOf(node, request));
  if (perNode.some((failures) => failures.length === 0)) return undefined;
  const modelFits = perNode.filter((failures) => !failures.some((r) => r.kind === 'GpuModelUnavailable'));
  if (modelFits.length === 0) {
    const available = new Set(schedulable.flatMap((node) => node.gpus.map((gpu) => gpu.model)));
    return { kind: 'GpuModelUnavailable', allowed: [...request.gpuModel], available: [...available].sort() };
  }
  const kinds = ['InsufficientGpus', 'InsufficientGpuShare', 'InsufficientCpu', 'InsufficientMemory'];
  const free = (r: UnschedulableReason): number =>
    r.kind === 'InsufficientGpus'
      ? r.largestFree
      : r.kind === 'InsufficientGpuShare' || r.kind === 'InsufficientCpu'
        ? r.largestFreeMilli
        : r.kind === 'InsufficientMemory'
          ? r.largestFreeMiB
          : 0;
  const largest = (reasons: UnschedulableReason[]) => reasons.reduce((a, b) => (free(b) > free(a) ? b : a));
  for (const kind of kinds) {
    const sole = modelFits.filter((f) => f.length === 1 && f[0]!.kind === kind);
    if (sole.length > 0) return largest(sole.map((f) => f[0]!));
  }
  for (const kind of kinds) {
    const ofKind = modelFits.map((f) => f.find((r) => r.kind === kind));
    if (ofKind.every((r) => r !== undefined)) return largest(ofKind as UnschedulableReason[]);
  }
  for (const kind of kinds) {
    const ofKind = modelFits.flatMap((f) => f.filter((r) => r.kind === kind));
    if (ofKind.length > 0) return largest(ofKind);
  }
  throw new Error('unreachable');
}
