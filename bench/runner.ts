// `npm run bench -- runner [--json] [--rows N] [--threads T] [--rounds R]`: end-to-end inference runner
// throughput (read .npy from disk, infer in batches, write .npy) against a bare onnxruntime-node loop over
// the same rows already in memory, with the same session (so the same threads), in one process and run.
// The model is a generated MLP where inference dominates: 1024 -> 4096 -> 4096 -> 1024 -> 16, batch 256.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { JobSpecSchema } from '../api/schemas/job-spec.ts';
import { createMatrix, type Matrix } from '../kernels/matrix.ts';
import { buildMlpModel, MLP_INPUT_NAME, MLP_OUTPUT_NAME, type MlpShape } from '../kernels/onnx/mlp-model.ts';
import { loadModel, releaseSessions } from '../kernels/onnx/session-cache.ts';
import { normal, seededRandom } from '../kernels/seeded-random.ts';
import { writeNpy } from '../runner/io/npy.ts';
import { runAttempt } from '../runner/run-attempt.ts';
import { machineDescription } from './machine.ts';

export const RUNNER_MLP: MlpShape = {
  inputDim: 1024,
  hiddenDims: [4096, 4096, 1024],
  outputDim: 16,
  seed: 7,
};
const BATCH_SIZE = 256;

export interface RunnerBenchOptions {
  rows: number;
  threads: number;
  rounds: number;
}

export interface RunnerBenchResult {
  runnerRowsPerSec: number;
  bareRowsPerSec: number;
  /** runner / bare, best round of each: the least disturbed by other load on the machine. */
  ratio: number;
  /** Median over rounds of runner / bare in the same round. */
  medianRoundRatio: number;
  /** Median share of wall time spent inside session.run (1 = no overhead at all). */
  runnerInferenceShare: number;
  bareInferenceShare: number;
  samples: { runnerRowsPerSec: number[]; bareRowsPerSec: number[] };
  rows: number;
  batchSize: number;
  threads: number;
  model: MlpShape;
  machine: string;
  loadAverage: number[];
  date: string;
}

export function runnerBenchOptions(argv: string[]): RunnerBenchOptions {
  const flag = (name: string, fallback: number) => {
    const at = argv.indexOf(`--${name}`);
    const value = at === -1 ? fallback : Number(argv[at + 1]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  return {
    rows: flag('rows', 16 * BATCH_SIZE),
    threads: flag('threads', availableParallelism()),
    rounds: flag('rounds', 5),
  };
}

export async function runnerBench(
  options: RunnerBenchOptions,
  progress: (line: string) => void,
): Promise<RunnerBenchResult> {
  const cwd = await mkdtemp(join(tmpdir(), 'gpubatch-bench-runner-'));
  try {
    progress(
      `generating ${RUNNER_MLP.inputDim}-${RUNNER_MLP.hiddenDims.join('-')}-${RUNNER_MLP.outputDim} MLP and ${options.rows} rows`,
    );
    await writeFile(join(cwd, 'mlp.onnx'), buildMlpModel(RUNNER_MLP));
    const random = seededRandom(1);
    const input = createMatrix(
      options.rows,
      RUNNER_MLP.inputDim,
      Float32Array.from({ length: options.rows * RUNNER_MLP.inputDim }, () => normal(random)),
    );
    await writeNpy(join(cwd, 'input.npy'), input);
    const warmUpRows = Math.min(options.rows, BATCH_SIZE);
    await writeNpy(
      join(cwd, 'warm-up.npy'),
      createMatrix(warmUpRows, input.cols, input.data.slice(0, warmUpRows * input.cols)),
    );
    // The runner sizes threads from cpuMilli; the bare loop uses the very session the runner gets.
    const spec = JobSpecSchema.parse({
      name: 'bench-runner',
      kind: 'inference',
      model: 'mlp.onnx',
      input: 'input.npy',
      output: 'out/output.npy',
      params: { batchSize: BATCH_SIZE },
      resources: { cpuMilli: options.threads * 1000 },
    });
    const model = await loadModel(join(cwd, 'mlp.onnx'), [], { intraOpThreads: options.threads });
    // Time inside session.run, for both: its share of the wall time is the overhead measure that machine
    // load moves least, since each share compares times within one pass.
    let inRunMs = 0;
    const run = model.session.run.bind(model.session);
    model.session.run = (async (...args: Parameters<typeof run>) => {
      const started = performance.now();
      try {
        return await run(...args);
      } finally {
        inRunMs += performance.now() - started;
      }
    }) as typeof run;
    const shares = { runner: [] as number[], bare: [] as number[] };
    const runner = async (inputFile = 'input.npy') => {
      inRunMs = 0;
      const started = performance.now();
      const request = {
        jobId: 'bench',
        attempt: 1,
        spec: { ...spec, input: inputFile },
        cwd,
        gpuIndices: [],
      };
      const result = await runAttempt(request, {
        signal: new AbortController().signal,
        onProgress: () => {},
      });
      if (result.backend !== model.backend) throw new Error(`runner used ${result.backend}`);
      const elapsed = performance.now() - started;
      shares.runner.push(inRunMs / elapsed);
      return result.rows / (elapsed / 1000);
    };
    const bare = async (rows = input) => {
      inRunMs = 0;
      const started = performance.now();
      await bareLoop(model.session, rows);
      const elapsed = performance.now() - started;
      shares.bare.push(inRunMs / elapsed);
      return rows.rows / (elapsed / 1000);
    };
    progress('warm-up');
    await bare(createMatrix(warmUpRows, input.cols, input.data.slice(0, warmUpRows * input.cols)));
    await runner('warm-up.npy');
    shares.runner.length = 0;
    shares.bare.length = 0;
    const samples = { runnerRowsPerSec: [] as number[], bareRowsPerSec: [] as number[] };
    for (let round = 1; round <= options.rounds; round++) {
      // Alternate, and swap which goes first each round, so load changes and order hit both alike.
      if (round % 2 === 1) {
        samples.bareRowsPerSec.push(await bare());
        samples.runnerRowsPerSec.push(await runner());
      } else {
        samples.runnerRowsPerSec.push(await runner());
        samples.bareRowsPerSec.push(await bare());
      }
      progress(
        `round ${round}: bare ${samples.bareRowsPerSec.at(-1)!.toFixed(1)} rows/s, runner ${samples.runnerRowsPerSec.at(-1)!.toFixed(1)} rows/s`,
      );
    }
    const runnerRowsPerSec = Math.max(...samples.runnerRowsPerSec);
    const bareRowsPerSec = Math.max(...samples.bareRowsPerSec);
    return {
      runnerRowsPerSec,
      bareRowsPerSec,
      ratio: runnerRowsPerSec / bareRowsPerSec,
      medianRoundRatio: median(
        samples.runnerRowsPerSec.map((value, i) => value / samples.bareRowsPerSec[i]!),
      ),
      samples,
      runnerInferenceShare: median(shares.runner),
      bareInferenceShare: median(shares.bare),
      rows: options.rows,
      batchSize: BATCH_SIZE,
      threads: model.intraOpThreads,
      model: RUNNER_MLP,
      machine: machineDescription(),
      loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
      date: new Date().toISOString(),
    };
  } finally {
    await releaseSessions();
    await rm(cwd, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** What a user would write with onnxruntime-node alone: tensors over the in-memory rows, outputs kept. */
async function bareLoop(session: ort.InferenceSession, input: Matrix): Promise<number> {
  const outputs: ort.Tensor[] = [];
  for (let start = 0; start < input.rows; start += BATCH_SIZE) {
    const end = Math.min(input.rows, start + BATCH_SIZE);
    const batch = input.data.subarray(start * input.cols, end * input.cols);
    const tensor = new ort.Tensor('float32', batch, [end - start, input.cols]);
    const result = await session.run({ [MLP_INPUT_NAME]: tensor });
    outputs.push(result[MLP_OUTPUT_NAME]!);
  }
  return outputs.reduce((rows, output) => rows + output.dims[0]!, 0);
}

export function runnerTable(result: RunnerBenchResult): string {
  return [
    `machine: ${result.machine}; load average ${result.loadAverage.join(', ')}; ${result.date}`,
    `model ${result.model.inputDim}-${result.model.hiddenDims.join('-')}-${result.model.outputDim}, ${result.rows} rows, batch ${result.batchSize}, ${result.threads} intra-op threads`,
    `bare onnxruntime-node loop: ${result.bareRowsPerSec.toFixed(1)} rows/s (rounds: ${result.samples.bareRowsPerSec.map((v) => v.toFixed(1)).join(', ')})`,
    `runner (.npy -> .npy):      ${result.runnerRowsPerSec.toFixed(1)} rows/s (rounds: ${result.samples.runnerRowsPerSec.map((v) => v.toFixed(1)).join(', ')})`,
    `time inside session.run: runner ${(result.runnerInferenceShare * 100).toFixed(1)}%, bare ${(result.bareInferenceShare * 100).toFixed(1)}% (median over rounds)`,
    `runner / bare: ${(result.ratio * 100).toFixed(1)}% best against best, ${(result.medianRoundRatio * 100).toFixed(1)}% median per round (acceptance: >= 95%)`,
  ].join('\n');
}
