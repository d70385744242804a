// The FGD policies' fast path (memoized fragmentation keyed by numbers, per-model capability tables, the
// grouped search) against a straightforward reference: every node, every GPU a request could take, and
// fragmentation summed shape by shape from its definition, with no memo. Node, GPUs and score must agree
// bit for bit, over a sequence of placements into one working snapshot (so memoized states carry over).
import test from 'ava';
import fc from 'fast-check';
import { passesAll } from '../../scheduler/core/filters.ts';
import type { FragmentationNode, FragmentationScope } from '../../scheduler/core/fragmentation.ts';
import {
  getScorer,
  MILLI_PER_GPU,
  type NodeState,
  type PendingJob,
  type ResourceRequest,
  WorkingSnapshot,
} from '../../scheduler/core/index.ts';
import { bestPlacement } from '../../scheduler/core/place.ts';
import { bestFitScore } from '../../scheduler/core/scorers/best-fit.ts';
import { createScoringContext } from '../../scheduler/core/scorers/context.ts';
import { appetiteOf, strandedMilli } from '../../scheduler/core/scorers/fgd-balanced.ts';
import type { Candidate, ScoringContext } from '../../scheduler/core/scorers/scorer.ts';
import type { WorkingNode } from '../../scheduler/core/working-node.ts';
import type { WorkloadShape } from '../../scheduler/core/workload.ts';
import { gpuNode, job } from '../support/builders.ts';

const allows = (models: readonly string[], model: string) => models.length === 0 || models.includes(model);

/** Fragmentation from its definition: shape by shape, in order. */
function referenceFragmentation(
  node: FragmentationNode,
  shapes: readonly WorkloadShape[],
  scope: FragmentationScope,
): number {
  let free = 0;
  for (const gpu of node.gpus) free += gpu.freeMilli;
  if (free === 0) return 0;
  let fragmented = 0;
  for (const shape of shapes) {
    const wantsGpu = shape.gpus > 0 || shape.gpuMilli > 0;
    const capable = wantsGpu && node.gpus.some((gpu) => allows(shape.gpuModel, gpu.model));
    if (scope === 'gpu-capable' && !capable) continue;
    let usable = 0;
    if (shape.gpus > 0) {
      const whole = node.gpus.filter(
        (gpu) => gpu.freeMilli >= MILLI_PER_GPU && allows(shape.gpuModel, gpu.model),
      );
      usable = whole.length >= shape.gpus ? whole.length * MILLI_PER_GPU : 0;
    } else if (shape.gpuMilli > 0) {
      for (const gpu of node.gpus) {
        if (gpu.freeMilli >= shape.gpuMilli && allows(shape.gpuModel, gpu.model)) usable += gpu.freeMilli;
      }
    }
    const fits = node.cpuMilliFree >= shape.cpuMilli && node.memoryMiBFree >= shape.memoryMiB;
    fragmented += shape.probability * (free - (fits ? usable : 0));
  }
  return fragmented;
}

function after({ node, request, gpus }: Candidate): FragmentationNode {
  return {
    gpus: node.gpus.map((gpu) =>
      gpus.gpuIndices.includes(gpu.index) ? { ...gpu, freeMilli: gpu.freeMilli - gpus.gpuMilliPerGpu } : gpu,
    ),
    cpuMilliFree: node.cpuMilliFree - request.cpuMilli,
    memoryMiBFree: node.memoryMiBFree - request.memoryMiB,
  };
}

/** Every GPU choice: a share may take any distinct (model, free) GPU it fits, tightest first. */
function referenceChoices(node: WorkingNode, request: ResourceRequest): Candidate['gpus'][] {
  const models = request.gpuModel ?? [];
  if (request.gpus > 0) {
    const free = node.gpus.filter((gpu) => gpu.freeMilli >= MILLI_PER_GPU && allows(models, gpu.model));
    if (free.length < request.gpus) return [];
    return [
      { gpuIndices: free.slice(0, request.gpus).map((gpu) => gpu.index), gpuMilliPerGpu: MILLI_PER_GPU },
    ];
  }
  if (request.gpuMilli > 0) {
    const fitting = node.gpus
      .filter((gpu) => gpu.freeMilli >= request.gpuMilli && allows(models, gpu.model))
      .sort((a, b) => a.freeMilli - b.freeMilli || a.index - b.index);
    return fitting
      .filter(
        (gpu, i) => fitting.findIndex((o) => o.model === gpu.model && o.freeMilli === gpu.freeMilli) === i,
      )
      .map((gpu) => ({ gpuIndices: [gpu.index], gpuMilliPerGpu: request.gpuMilli }));
  }
  return [{ gpuIndices: [], gpuMilliPerGpu: 0 }];
}

/** How much one GPU going from `before` to `after` free grows the sum of squared gap counts, by recounting. */
function referenceSumOfSquaresIncrease(
  working: WorkingSnapshot,
  model: string,
  before: number,
  after: number,
) {
  const sumOfSquares = (moved: boolean) => {
    const counts = new Map<number, number>();
    for (const node of working.nodes) {
      if (node.unschedulable) continue;
      for (const gpu of node.gpus) {
        if (gpu.model === model && gpu.freeMilli > 0 && gpu.freeMilli < MILLI_PER_GPU)
          counts.set(gpu.freeMilli, (counts.get(gpu.freeMilli) ?? 0) + 1);
      }
    }
    if (moved) {
      if (before > 0 && before < MILLI_PER_GPU) counts.set(before, counts.get(before)! - 1);
      if (after > 0 && after < MILLI_PER_GPU) counts.set(after, (counts.get(after) ?? 0) + 1);
    }
    let sum = 0;
    for (const count of counts.values()) sum += count * count;
    return sum;
  };
  return sumOfSquares(true) - sumOfSquares(false);
}

function referenceScore(
  policy: string,
  candidate: Candidate,
  context: ScoringContext,
  working: WorkingSnapshot,
): number {
  const shapes = context.workload;
  const scope: FragmentationScope = policy === 'fgd' ? 'all' : 'gpu-capable';
  const increase =
    referenceFragmentation(after(candidate), shapes, scope) -
    referenceFragmentation(candidate.node, shapes, scope);
  if (policy === 'fgd') return 50 * (1 - increase / context.largestNodeGpuMilli);
  if (policy === 'fgd-model-aware')
    return 50 * (1 - increase / context.largestNodeGpuMilli) + 1e-6 * bestFitScore(candidate);
  const { node, request, gpus } = candidate;
  const appetite = appetiteOf(shapes);
  const taken = gpus.gpuIndices.length * gpus.gpuMilliPerGpu;
  const stranding =
    strandedMilli(
      appetite,
      node.gpuMilliFree - taken,
      node.cpuMilliFree - request.cpuMilli,
      node.memoryMiBFree - request.memoryMiB,
    ) - strandedMilli(appetite, node.gpuMilliFree, node.cpuMilliFree, node.memoryMiBFree);
  let cost = increase + 10 * stranding;
  const first = node.gpus.find((gpu) => gpu.index === gpus.gpuIndices[0]);
  if (
    gpus.gpuMilliPerGpu > 0 &&
    gpus.gpuMilliPerGpu < MILLI_PER_GPU &&
    first?.freeMilli === gpus.gpuMilliPerGpu
  )
    cost -= 20;
  if (policy === 'fgd-sos' && gpus.gpuMilliPerGpu > 0 && gpus.gpuMilliPerGpu < MILLI_PER_GPU)
    cost +=
      400 *
      referenceSumOfSquaresIncrease(
        working,
        first!.model,
        first!.freeMilli,
        first!.freeMilli - gpus.gpuMilliPerGpu,
      );
  return 50 * (1 - cost / context.largestNodeGpuMilli) + 1e-6 * bestFitScore(candidate);
}

function referenceBest(
  working: WorkingSnapshot,
  request: ResourceRequest,
  policy: string,
  context: ScoringContext,
) {
  let best: { node: WorkingNode; gpus: Candidate['gpus']; score: number } | undefined;
  for (const node of working.nodes) {
    if (!passesAll(node, request)) continue;
    for (const gpus of referenceChoices(node, request)) {
      const score = referenceScore(policy, { node, request, gpus }, context, working);
      if (
        best === undefined ||
        score > best.score ||
        (score === best.score && node.position < best.node.position)
      )
        best = { node, gpus, score };
    }
  }
  return best;
}

const arbitraryNode = fc
  .record({
    gpus: fc.constantFrom(0, 1, 2, 4, 8),
    models: fc.constantFrom(['A100'], ['T4'], ['A100', 'T4']),
    used: fc.array(fc.constantFrom(0, 0, 100, 250, 500, 700, 1000), { maxLength: 8 }),
    cpuUsed: fc.constantFrom(0, 4000, 12_000, 15_500),
    memoryUsed: fc.constantFrom(0, 32_768, 60_000),
  })
  .map(({ gpus, models, used, cpuUsed, memoryUsed }): NodeState => {
    const node = gpuNode({ gpus, model: models[0]!, cpuMilli: 16_000, memoryMiB: 65_536 });
    return {
      ...node,
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
    gpus: fc.integer({ min: 1, max: 4 }),
    milli: fc.constantFrom(100, 250, 300, 500, 700),
    model: fc.constantFrom([], ['A100'], ['T4'], ['A100', 'T4']),
    cpu: fc.constantFrom(0, 500, 2000, 8000),
    memory: fc.constantFrom(0, 1024, 16_384),
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

test('the FGD policies choose the node, GPUs and score of a memo-free reference', (t) => {
  fc.assert(
    fc.property(
      fc.array(arbitraryNode, { minLength: 1, maxLength: 8 }),
      fc.array(arbitraryJob, { minLength: 1, maxLength: 20 }),
      fc.array(arbitraryJob, { minLength: 1, maxLength: 6 }),
      fc.constantFrom('fgd', 'fgd-model-aware', 'fgd-balanced', 'fgd-sos'),
      (nodeShapes, jobs, samples, policy) => {
        const nodes = nodeShapes.map((node, n) => ({ ...node, name: `n${n}` }));
        const working = new WorkingSnapshot({ nodes });
        const workload = samples.map((j, n) => ({ resources: j.resources, weight: 1 + (n % 3) }));
        const context = createScoringContext(working, { workload });
        const scorer = getScorer(policy);
        for (const pending of jobs) {
          const fast = bestPlacement(working, pending, scorer, undefined, context);
          const reference = referenceBest(working, pending.resources, policy, context);
          if (reference === undefined || fast === undefined) {
            if (reference !== fast) return false;
            continue;
          }
          if (
            fast.node !== reference.node.name ||
            fast.gpuIndices.join() !== reference.gpus.gpuIndices.join()
          )
            return false;
          const gpus = { gpuIndices: fast.gpuIndices, gpuMilliPerGpu: fast.gpuMilliPerGpu };
          const node = working.node(fast.node)!;
          if (scorer.score({ node, request: pending.resources, gpus }, context) !== reference.score)
            return false;
          working.assume(fast);
        }
        return true;
      },
    ),
    { numRuns: 400, seed: 7 },
  );
  t.pass();
});
