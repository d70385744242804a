// The fast paths of one scheduling cycle must give exactly the answers of the plain ones, while the working
// snapshot takes placements, gives capacity back and rolls back: the remembered best of each node state per
// request shape (the grouped search) against scoring every node, and the explanation read from the index's
// capacity columns against the one-pass explanation over every node; a scorer's bound bounds its scores.
import test from 'ava';
import fc from 'fast-check';
import { passesAll } from '../../scheduler/core/filters.ts';
import { everyGpuChoice } from '../../scheduler/core/gpu-choice.ts';
import {
  explainUnschedulable,
  getScorer,
  type NodeState,
  type PendingJob,
  scorerNames,
  WorkingSnapshot,
} from '../../scheduler/core/index.ts';
import { bestByNode, bestPlacement } from '../../scheduler/core/place.ts';
import { resourceUseAfter } from '../../scheduler/core/scorers/best-fit.ts';
import { createScoringContext } from '../../scheduler/core/scorers/context.ts';
import { gpuNode, job } from '../support/builders.ts';

const stateOnlyScorers = scorerNames().filter((name) => getScorer(name).stateOnly);

const arbitraryNode = fc
  .record({
    gpus: fc.constantFrom(0, 2, 4),
    models: fc.constantFrom(['A100'], ['T4'], ['A100', 'T4']),
    used: fc.array(fc.constantFrom(0, 250, 500, 1000), { maxLength: 4 }),
    cpuUsed: fc.constantFrom(0, 4000, 15_500),
    memoryUsed: fc.constantFrom(0, 32_768, 64_512),
    unschedulable: fc.constantFrom(false, false, false, false, true),
  })
  .map(({ gpus, models, used, cpuUsed, memoryUsed, unschedulable }): NodeState => {
    const node = gpuNode({ gpus, cpuMilli: 16_000, memoryMiB: 65_536 });
    return {
      ...node,
      unschedulable,
      cpuMilliFree: node.cpuMilliTotal - cpuUsed,
      memoryMiBFree: node.memoryMiBTotal - memoryUsed,
      gpus: node.gpus.map((gpu) => ({
        ...gpu,
        model: models[gpu.index % models.length]!,
        freeMilli: 1000 - (used[gpu.index] ?? 0),
      })),
    };
  });

const arbitraryJob = fc
  .record({
    kind: fc.constantFrom('whole', 'share', 'share', 'cpu'),
    gpus: fc.integer({ min: 1, max: 3 }),
    milli: fc.constantFrom(100, 250, 500, 750),
    model: fc.constantFrom([], [], ['A100'], ['T4'], ['H100'], ['T4', 'A100', 'T4']),
    cpu: fc.constantFrom(500, 2000, 8000, 20_000),
    memory: fc.constantFrom(0, 1024, 70_000),
  })
  .map(({ kind, gpus, milli, model, cpu, memory }): PendingJob => {
    const builder = job()
      .cpu(cpu)
      .memory(memory)
      .gpuModel(...model);
    if (kind === 'whole') builder.gpus(gpus);
    if (kind === 'share') builder.gpuMilli(milli);
    return builder.build();
  });

/** What happens to the working snapshot after each job: it is placed, or the last placements are undone. */
const arbitraryStep = fc.record({ job: arbitraryJob, undo: fc.constantFrom(0, 0, 0, 1, 2) });

test('across placements, releases and rollbacks, the grouped search picks what scoring every node picks', (t) => {
  fc.assert(
    fc.property(
      fc.array(arbitraryNode, { minLength: 1, maxLength: 10 }),
      fc.array(arbitraryStep, { minLength: 1, maxLength: 25 }),
      fc.constantFrom(...stateOnlyScorers),
      (nodeShapes, steps, scorerName) => {
        const nodes = nodeShapes.map((node, n) => ({ ...node, name: `n${n}` }));
        const working = new WorkingSnapshot({ nodes });
        const workload = steps.map((step) => ({ resources: step.job.resources, weight: 1 }));
        const context = createScoringContext(working, { workload });
        const scorer = getScorer(scorerName);
        const checkpoints: number[] = [];
        for (const { job: pending, undo } of steps) {
          const fast = bestPlacement(working, pending, scorer, undefined, context);
          const exhaustive = bestByNode(working.nodes, pending.resources, scorer, context);
          if (fast?.node !== exhaustive?.node.name) return false;
          if (fast === undefined || exhaustive === undefined) continue;
          if (fast.gpuIndices.join() !== exhaustive.gpus.gpuIndices.join()) return false;
          checkpoints.push(working.checkpoint());
          working.assume(fast);
          if (undo === 1) working.rollbackTo(checkpoints.pop()!);
          if (undo === 2) working.release(fast);
        }
        return true;
      },
    ),
    { numRuns: 300, seed: 17 },
  );
  t.pass();
});

test('the explanation from the capacity columns is the one-pass explanation over every node', (t) => {
  fc.assert(
    fc.property(
      fc.array(arbitraryNode, { maxLength: 10 }),
      fc.array(arbitraryStep, { minLength: 1, maxLength: 25 }),
      (nodeShapes, steps) => {
        const nodes = nodeShapes.map((node, n) => ({ ...node, name: `n${n}` }));
        const working = new WorkingSnapshot({ nodes });
        const scorer = getScorer('best-fit');
        const checkpoint = working.checkpoint();
        for (const { job: pending, undo } of steps) {
          t.deepEqual(
            working.explain(pending.resources),
            explainUnschedulable(working.nodes, pending.resources),
          );
          const placement = bestPlacement(working, pending, scorer);
          if (placement === undefined) continue;
          working.assume(placement);
          if (undo === 1) working.rollbackTo(checkpoint);
          if (undo === 2) working.release(placement);
        }
      },
    ),
    { numRuns: 300, seed: 19 },
  );
});

const boundedScorers = scorerNames().filter((name) => getScorer(name).bound !== undefined);

test('scorers with a bound: best-fit and the FGD policies', (t) => {
  t.deepEqual(boundedScorers, ['best-fit', 'fgd', 'fgd-balanced', 'fgd-model-aware', 'fgd-sos']);
});

test("a scorer's bound is at least its score of every GPU choice on a node with that free GPU milli and use", (t) => {
  fc.assert(
    fc.property(
      fc.array(arbitraryNode, { minLength: 1, maxLength: 6 }),
      arbitraryJob,
      fc.array(arbitraryJob, { minLength: 1, maxLength: 6 }),
      fc.constantFrom(...boundedScorers),
      (nodeShapes, pending, samples, name) => {
        const working = new WorkingSnapshot({
          nodes: nodeShapes.map((node, n) => ({ ...node, name: `n${n}` })),
        });
        const workload = samples.map((sample) => ({ resources: sample.resources, weight: 1 }));
        const context = createScoringContext(working, { workload });
        const scorer = getScorer(name);
        const request = pending.resources;
        for (const node of working.nodes) {
          if (!passesAll(node, request)) continue;
          const use = resourceUseAfter(node, request.cpuMilli, request.memoryMiB);
          const bound = scorer.bound!(request, node.gpuMilliFree, use, context);
          for (const gpus of everyGpuChoice(node, request)) {
            if (!(scorer.score({ node, request, gpus }, context) <= bound)) return false;
          }
        }
        return true;
      },
    ),
    { numRuns: 3000, seed: 23 },
  );
  t.pass();
});

test('every node in a bucket the index offers has at least its free GPU milli and at most its use after the job', (t) => {
  fc.assert(
    fc.property(
      fc.array(arbitraryNode, { minLength: 1, maxLength: 10 }),
      fc.array(arbitraryStep, { minLength: 1, maxLength: 15 }),
      (nodeShapes, steps) => {
        const working = new WorkingSnapshot({
          nodes: nodeShapes.map((node, n) => ({ ...node, name: `n${n}` })),
        });
        const scorer = getScorer('best-fit');
        for (const { job: pending } of steps) {
          const { cpuMilli, memoryMiB } = pending.resources;
          const offered = new Set<string>();
          let holds = true;
          let limits = { minGpuMilliFree: 0, maxResourceUse: 0 };
          working.visitCandidateBuckets(
            pending.resources,
            (minGpuMilliFree, maxResourceUse) => {
              limits = { minGpuMilliFree, maxResourceUse };
              return false;
            },
            (group) => {
              for (const node of group.members) {
                offered.add(node.name);
                if (!passesAll(node, pending.resources)) continue;
                holds &&= node.gpuMilliFree >= limits.minGpuMilliFree;
                holds &&= resourceUseAfter(node, cpuMilli, memoryMiB) <= limits.maxResourceUse;
              }
            },
          );
          if (!holds) return false;
          // Every node that fits is offered.
          for (const node of working.nodes)
            if (passesAll(node, pending.resources) && !offered.has(node.name)) return false;
          const placement = bestPlacement(working, pending, scorer);
          if (placement !== undefined) working.assume(placement);
        }
        return true;
      },
    ),
    { numRuns: 500, seed: 29 },
  );
  t.pass();
});
