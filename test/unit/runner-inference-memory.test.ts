// Streaming bound: a runner process infers over an input larger than the memory it may use. Its peak
// resident memory (VmHWM, read by this test from /proc) stays under the 512 MB, and grows over
// the same runner's peak after a small warm-up job by far less than the input's size.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { buildMlpModel } from '../../kernels/onnx/mlp-model.ts';
import { inspectNpy } from '../../runner/io/npy.ts';
import { npyHeader } from '../../runner/io/npy-writer.ts';
import { inferenceJobSpec } from '../support/job-specs.ts';
import { temporaryDirectory, writeLargeNpy } from '../support/npy-fixtures.ts';
import { startRunner } from '../support/runner-process.ts';

const COLS = 256;
const ROWS = 256 * 1024;
const INPUT_MIB = (ROWS * COLS * 4) / 2 ** 20;
const PEAK_LIMIT_MIB = 512;
/** Batches of 512 rows are 0.5 MiB each; a few are alive at once. Holding the input would add 256 MiB. */
const GROWTH_LIMIT_MIB = 48;

type Outcome = {
  type: 'succeeded' | 'failed';
  result?: { details?: Record<string, unknown> };
  failure?: unknown;
};

/** The attempt's outcome, without a timer left behind to keep the test process alive. */
function outcome(runner: ReturnType<typeof startRunner>, jobId: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const listener = (message: { type: string; jobId?: string }) => {
      if (message.jobId !== jobId || (message.type !== 'succeeded' && message.type !== 'failed')) return;
      runner.child.off('message', listener);
      resolve(message as Outcome);
    };
    runner.child.on('message', listener);
  });
}

async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  return kib / 1024;
}

test(`a ${INPUT_MIB} MiB .npy is inferred with a runner peak RSS under ${PEAK_LIMIT_MIB} MiB`, async (t) => {
  t.timeout(120_000);
  const cwd = await temporaryDirectory(t);
  await writeLargeNpy(join(cwd, 'large.npy'), ROWS, COLS);
  await writeFile(join(cwd, 'small.npy'), npyHeader('<f4', '1024', [COLS]));
  await writeFile(join(cwd, 'small.npy'), new Uint8Array(1024 * COLS * 4), { flag: 'a' });
  await writeFile(
    join(cwd, 'mlp.onnx'),
    buildMlpModel({ inputDim: COLS, hiddenDims: [8], outputDim: 4, seed: 2 }),
  );
  const runner = startRunner();
  t.teardown(async () => {
    runner.child.disconnect();
    await runner.exited;
  });
  await runner.waitFor('ready');
  const job = async (jobId: string, input: string) => {
    const spec = inferenceJobSpec({ input, output: `out/${jobId}.npy`, params: { batchSize: 512 } });
    const done = outcome(runner, jobId);
    runner.send({ type: 'run', request: { jobId, attempt: 1, spec, cwd, gpuIndices: [] } });
    const result = await done;
    if (result.type === 'failed') throw new Error(JSON.stringify(result.failure));
  };
  // The warm-up loads the runtime and the session: what every job pays whatever its size.
  await job('small', 'small.npy');
  const baseline = await peakRssMiB(runner.child.pid!);
  await job('p', 'large.npy');
  const peak = await peakRssMiB(runner.child.pid!);
  t.log(
    `input ${INPUT_MIB} MiB: runner peak RSS ${peak.toFixed(0)} MiB, ${baseline.toFixed(0)} MiB after warm-up`,
  );
  t.true(peak < PEAK_LIMIT_MIB, `peak RSS ${peak} MiB`);
  t.true(
    peak - baseline < GROWTH_LIMIT_MIB,
    `peak grew by ${peak - baseline} MiB: the input is not streamed`,
  );
  t.deepEqual((await inspectNpy(join(cwd, 'out', 'p.npy'))).shape, [ROWS, 4]);
  await rm(join(cwd, 'large.npy'));
});
