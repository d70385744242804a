// An inference attempt, streamed: input rows are read in batches, run through the model and written out
// as they come into work files, which are committed atomically at the end. A checkpoint (runner/
// checkpoint.ts) records the rows done every few seconds and when the attempt is interrupted, so the next
// attempt of the same job resumes at the first unfinished row instead of starting over.
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { InputElementType } from '../kernels/onnx/element-types.ts';
import { parseInferenceParams } from '../kernels/onnx/inference-params.ts';
import { bindModel } from '../kernels/onnx/model-binding.ts';
import { type RowBatch, runBatches } from '../kernels/onnx/run-inference.ts';
import { acquireModel, threadsForCpuMilli } from '../kernels/onnx/session-cache.ts';
import {
  CHECKPOINT_VERSION,
  type Checkpoint,
  checkpointPathFor,
  fingerprintOf,
  readCheckpoint,
  removeCheckpoint,
  saveCheckpoint,
  workPathFor,
} from './checkpoint.ts';
import { AttemptInterrupted, RunnerError } from './errors.ts';
import { openSinks, planSinks, type SinkState, writing } from './inference-sinks.ts';
import { openNpyReader } from './io/npy-reader.ts';
import { countTextRows, type TextFormat, textBatchesInWorker } from './io/text-rows.ts';
import type { AttemptRequest, AttemptSuccess } from './protocol.ts';
import type { AttemptHooks } from './run-attempt.ts';

const INPUT_EXTENSIONS = ['.npy', '.jsonl', '.csv'];
const OUTPUT_EXTENSIONS = ['.npy', '.jsonl'];
/** Periodic checkpoints bound the work a crash (SIGKILL, power loss) loses; each costs an fsync or two. */
const DEFAULT_CHECKPOINT_INTERVAL_MS = 10_000;

interface InputSource {
  dtype?: InputElementType;
  rowShape: number[];
  rows: number;
  batches(type: InputElementType, start: number, end: number, batchSize: number): AsyncGenerator<RowBatch>;
  close(): Promise<void>;
}

export async function runInferenceJob(request: AttemptRequest, hooks: AttemptHooks): Promise<AttemptSuccess> {
  const started = performance.now();
  const { spec } = request;
  const parsed = parseInferenceParams(spec.params);
  if (!parsed.ok) {
    throw new RunnerError('BAD_PARAMS', parsed.problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
  const params = parsed.params;
  const inputPath = resolve(request.cwd, spec.input);
  const outputPath = resolve(request.cwd, spec.output);
  const inputExtension = extname(inputPath).toLowerCase();
  const outputExtension = extname(outputPath).toLowerCase();
  if (!INPUT_EXTENSIONS.includes(inputExtension)) {
    throw new RunnerError(
      'INPUT_MALFORMED',
      `input ${spec.input}: ${unsupported(inputExtension, INPUT_EXTENSIONS)}`,
    );
  }
  if (!OUTPUT_EXTENSIONS.includes(outputExtension)) {
    throw new RunnerError(
      'OUTPUT_UNSUPPORTED',
      `output ${spec.output}: ${unsupported(outputExtension, OUTPUT_EXTENSIONS)}`,
    );
  }
  if (outputPath === inputPath) {
    throw new RunnerError('OUTPUT_UNSUPPORTED', 'output must not overwrite the input: a retry would read it');
  }
  const modelPath = resolve(request.cwd, spec.model ?? '');
  try {
    await stat(modelPath);
  } catch {
    throw new RunnerError('MODEL_NOT_FOUND', `model not found: ${spec.model}`);
  }
  // Held until the attempt ends, so the warm process's cache never evicts a session in use.
  const lease = await acquireModel(modelPath, request.gpuIndices, {
    intraOpThreads: threadsForCpuMilli(spec.resources.cpuMilli),
  });
  const { model } = lease;
  hooks.onBackend?.(model.backend);

  const source = await openSource(inputPath, inputExtension, spec.input).catch((error) => {
    lease.release();
    throw error;
  });
  try {
    const binding = bindModel(model, params, source);
    const { start, end } = shardRange(source.rows, params.shard);
    const batchSize = binding.fixedBatch ?? params.batchSize;
    const plan = planSinks(params, binding, request, outputPath, outputExtension);
    const checkpointPath = checkpointPathFor(outputPath, request.jobId);
    const input = await stat(inputPath);
    // Everything the output bytes depend on: a checkpoint made under anything else is not resumed. Batch
    // boundaries stay where an uninterrupted run puts them (the resumed run starts on one and keeps the
    // batch size), and backend and threads are the same, so the bytes are the same too.
    const fingerprint = fingerprintOf({
      jobId: request.jobId,
      spec: { input: inputPath, output: outputPath, model: modelPath, params: spec.params },
      review: plan.reviewPath ?? null,
      inputFile: { size: input.size, mtimeMs: input.mtimeMs },
      modelSha256: lease.sha256,
      backend: model.backend,
      intraOpThreads: model.intraOpThreads,
      batchSize,
    });
    const workFiles = [outputPath, ...(plan.reviewPath ? [plan.reviewPath] : [])].map((path) =>
      workPathFor(path, request.jobId),
    );
    const resumed = await readCheckpoint(checkpointPath, {
      jobId: request.jobId,
      fingerprint,
      start,
      end,
      workFiles,
    });
    const from = resumed?.nextRow ?? start;
    const sink = await openSinks(plan, params, binding, request, resumed && sinkStateOf(resumed));
    if (!resumed) await removeCheckpoint(checkpointPath); // a stale one (another fingerprint)

    let nextRow = from;
    let checkpointed = resumed !== undefined;
    let lastSaved = performance.now();
    const save = async () => {
      const state = await sink.checkpoint();
      const checkpoint: Checkpoint = {
        version: CHECKPOINT_VERSION,
        jobId: request.jobId,
        fingerprint,
        start,
        end,
        nextRow,
        ...state,
        savedAt: new Date().toISOString(),
      };
      await writing(checkpointPath, () => saveCheckpoint(checkpointPath, checkpoint));
      checkpointed = true;
      lastSaved = performance.now();
    };
    const interval = hooks.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
    hooks.onProgress({ done: from - start, total: end - start });
    try {
      await runBatches(
        model,
        binding,
        source.batches(binding.inputType, from, end, batchSize),
        async (batch) => {
          await sink.write(batch, from);
          nextRow += batch.rows;
          if (performance.now() - lastSaved >= interval && nextRow < end) await save();
        },
        {
          signal: hooks.signal,
          stop: hooks.interrupt,
          totalRows: end - start,
          onProgress: (done, total) => hooks.onProgress({ done: from - start + done, total }),
        },
      );
      // A cancellation that arrives while computing must not commit an output.
      hooks.signal.throwIfAborted();
      // Only an interrupt stops the batches early: keep what is done for the next attempt.
      if (nextRow < end) {
        await save();
        await sink.leave();
        const where = { nextRow, start, end };
        throw new AttemptInterrupted(
          `interrupted at row ${nextRow} of [${start}, ${end}); checkpoint saved`,
          where,
        );
      }
      await sink.commit();
      await removeCheckpoint(checkpointPath);
    } catch (error) {
      if (error instanceof AttemptInterrupted) throw error;
      // A retryable failure (disk full, a crash of the engine) resumes from the last checkpoint; anything
      // else (cancel, bad input) will not run again, so it leaves nothing behind.
      const retryable = !hooks.signal.aborted && error instanceof RunnerError && error.retryable;
      if (retryable && checkpointed) {
        await sink.leave();
      } else {
        await sink.abort();
        await removeCheckpoint(checkpointPath);
      }
      throw error;
    }
    return {
      backend: model.backend,
      output: outputPath,
      rows: end - start,
      details: {
        model: modelPath,
        inputName: binding.inputName,
        outputNames: binding.outputs.map((output) => output.name),
        outputName: binding.outputs[0]!.name,
        cols: sink.cols(),
        batchSize,
        intraOpThreads: model.intraOpThreads,
        // Whether this warm runner already had the session (skipping the load), and what getting it took.
        modelCache: lease.cache,
        modelLoadMs: Math.round(lease.loadMs),
        postprocess: params.postprocess,
        ...(params.shard ? { shard: { ...params.shard, start, end } } : {}),
        ...(resumed ? { resumedFromRow: from } : {}),
        ...(sink.review ? { review: { output: sink.review.path, rows: sink.review.rows() } } : {}),
        ...(model.fallbackReasons.length > 0 ? { fallbackReasons: model.fallbackReasons } : {}),
        // The process's peak resident memory so far (the runner is reused, so it covers earlier attempts).
        peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
        durationMs: Math.round(performance.now() - started),
      },
    };
  } finally {
    lease.release();
    await source.close();
  }
}

function sinkStateOf(checkpoint: Checkpoint): SinkState {
  return {
    output: checkpoint.output,
    cols: checkpoint.cols,
    ...(checkpoint.review ? { review: checkpoint.review } : {}),
  };
}

/** Child `index` of `count` takes rows [floor(N*index/count), floor(N*(index+1)/count)). */
export function shardRange(
  rows: number,
  shard?: { index: number; count: number },
): { start: number; end: number } {
  if (!shard) return { start: 0, end: rows };
  return {
    start: Math.floor((rows * shard.index) / shard.count),
    end: Math.floor((rows * (shard.index + 1)) / shard.count),
  };
}

async function openSource(path: string, extension: string, name: string): Promise<InputSource> {
  try {
    if (extension === '.npy') {
      const reader = await openNpyReader(path);
      return {
        dtype: reader.dtype,
        rowShape: reader.rowShape,
        rows: reader.header.rows,
        batches: (_type, start, end, batchSize) => reader.batches(start, end, batchSize),
        close: () => reader.close(),
      };
    }
    const format = extension.slice(1) as TextFormat;
    const { rows, cols } = await countTextRows(path, format);
    return {
      rowShape: [cols],
      rows,
      batches: (type, start, end, batchSize) =>
        textBatchesInWorker({ path, format, type, start, end, batchSize }),
      close: async () => {},
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RunnerError('INPUT_NOT_FOUND', `input not found: ${name}`);
    }
    throw error;
  }
}

function unsupported(extension: string, supported: string[]): string {
  return `unsupported file type (${extension || 'no extension'}); use ${supported.join(', ')}`;
}
