import test from 'ava';
import { type PendingJob, schedule } from '../../scheduler/core/index.ts';
import { gpuNodes, job, snapshot } from '../support/builders.ts';

const NODES = 1000;
const JOBS = 5000;

/** A mix of whole-GPU, shared-GPU and CPU-only jobs that asks for more than the cluster has. */
function mixedJobs(): PendingJob[] {
  return Array.from({ length: JOBS }, (_, n) => {
    const shape = n % 10;
    const builder = job()
      .id(`j${n}`)
      .priority(n % 3)
      .submittedAt(n)
      .cpu(1000 + (n % 4) * 1000)
      .memory(4096);
    if (shape < 5) return builder.gpus(1 + (n % 4)).build();
    if (shape < 8) return builder.gpuMilli(100 + (n % 9) * 100).build();
    if (shape < 9) return builder.gpus(8).build();
    return builder.build();
  });
}

// The bound is loose because ava runs test files in parallel on a 2-core machine (alone: ~170 ms with
// the default policy on this homogeneous cluster; bench/scheduler-speed.ts measures properly);
// it still fails loudly if a cycle turns quadratic.
test(`${NODES} nodes x 8 GPUs and ${JOBS} jobs schedule in under 5 s`, (t) => {
  const input = snapshot(gpuNodes(NODES, { gpus: 8, cpuMilli: 128_000, memoryMiB: 1024 * 1024 }));
  const pending = mixedJobs();
  const started = performance.now();
  const result = schedule(input, pending);
  const elapsedMs = performance.now() - started;
  t.log(
    `${NODES} nodes x 8 GPUs, ${JOBS} jobs: ${elapsedMs.toFixed(0)} ms, ` +
      `${result.placements.length} placed, ${result.unschedulable.length} unschedulable`,
  );
  t.is(result.placements.length + result.unschedulable.length, JOBS);
  t.true(
    result.placements.length > 0 && result.unschedulable.length > 0,
    'the case should both place and refuse',
  );
  t.true(elapsedMs < 5000, `took ${elapsedMs.toFixed(0)} ms`);
});
