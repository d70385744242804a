// An inference attempt, streamed: input rows are read in batches, run through the model and written out
// as they come (output and review file are temporary until the end, then committed atomically).
import { stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import type { InputElementType } from '../kernels/onnx/element-types.ts';
import { type InferenceParams, parseInferenceParams } from '../kernels/onnx/inference-params.ts';
import { bindModel, type ModelBinding } from '../kernels/onnx/model-binding.ts';
import { asField, classScores, type OutputField, postprocessFields } from '../kernels/onnx/postprocess.ts';
import { type BatchOutput, type RowBatch, runBatches } from '../kernels/onnx/run-inference.ts';
import { loadModel, threadsForCpuMilli } from '../kernels/onnx/session-cache.ts';
import { RunnerError } from './errors.ts';
import { formatFloat32 } from './io/jsonl.ts';
import { openNpyReader } from './io/npy-reader.ts';
import {
  createJsonlFieldWriter,
  createLineWriter,
  createNpyFieldWriter,
  type FieldLayout,
  type FieldWriter,
} from './io/output-writers.ts';
import { countTextRows, type TextFormat, textBatchesInWorker } from './io/text-rows.ts';
import type { AttemptRequest, AttemptSuccess } from './protocol.ts';
import type { AttemptHooks } from './run-attempt.ts';

const INPUT_EXTENSIONS = ['.npy', '.jsonl', '.csv'];
const OUTPUT_EXTENSIONS = ['.npy', '.jsonl'];

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
  const model = await loadModel(modelPath, request.gpuIndices, {
    intraOpThreads: threadsForCpuMilli(spec.resources.cpuMilli),
  });
  hooks.onBackend?.(model.backend);

  const source = await openSource(inputPath, inputExtension, spec.input);
  try {
    const binding = bindModel(model, params, source);
    const { start, end } = shardRange(source.rows, params.shard);
    const batchSize = binding.fixedBatch ?? params.batchSize;
    const sink = await openSinks(params, binding, request, outputPath, outputExtension);
    hooks.onProgress({ done: 0, total: end - start });
    let rows: number;
    try {
      rows = await runBatches(
        model,
        binding,
        source.batches(binding.inputType, start, end, batchSize),
        (batch) => sink.write(batch, start),
        {
          signal: hooks.signal,
          totalRows: end - start,
          onProgress: (done, total) => hooks.onProgress({ done, total }),
        },
      );
      // A cancellation that arrives while computing must not commit an output.
      hooks.signal.throwIfAborted();
      await sink.commit();
    } catch (error) {
      await sink.abort();
      throw error;
    }
    return {
      backend: model.backend,
      output: outputPath,
      rows,
      details: {
        model: modelPath,
        inputName: binding.inputName,
        outputNames: binding.outputs.map((output) => output.name),
        outputName: binding.outputs[0]!.name,
        cols: sink.cols(),
        batchSize,
        intraOpThreads: model.intraOpThreads,
        postprocess: params.postprocess,
        ...(params.shard ? { shard: { ...params.shard, start, end } } : {}),
        ...(sink.review ? { review: { output: sink.review.path, rows: sink.review.rows() } } : {}),
        ...(model.fallbackReasons.length > 0 ? { fallbackReasons: model.fallbackReasons } : {}),
        // The process's peak resident memory so far (the runner is reused, so it covers earlier attempts).
        peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
        durationMs: Math.round(performance.now() - started),
      },
    };
  } finally {
    await source.close();
  }
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

interface Sinks {
  write(batch: BatchOutput, firstRow: number): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  cols(): number;
  review?: { path: string; rows(): number };
}

/** The output file (and review file), and how each batch's model outputs become their lines or rows. */
async function openSinks(
  params: InferenceParams,
  binding: ModelBinding,
  request: AttemptRequest,
  outputPath: string,
  outputExtension: string,
): Promise<Sinks> {
  const fieldCount = binding.outputs.length - 1 + (params.postprocess === 'topk' ? 2 : 1);
  if (outputExtension === '.npy' && fieldCount > 1) {
    throw new RunnerError(
      'OUTPUT_UNSUPPORTED',
      `output ${request.spec.output}: a .npy file holds one array, but this job writes ${fieldCount} ` +
        `(${binding.outputs.length} outputs${params.postprocess === 'topk' ? ', topk indices and scores' : ''}); use a .jsonl output`,
    );
  }
  const reviewPath =
    params.reviewBelow === undefined
      ? undefined
      : resolve(
          request.cwd,
          params.reviewOutput ?? join(dirname(request.spec.output), defaultReviewName(params)),
        );
  if (reviewPath === outputPath || reviewPath === resolve(request.cwd, request.spec.input)) {
    throw new RunnerError(
      'OUTPUT_UNSUPPORTED',
      `params.reviewOutput must differ from the input and the output`,
    );
  }
  const output: FieldWriter = await writing(request.spec.output, () =>
    outputExtension === '.npy'
      ? createNpyFieldWriter(outputPath, emptyLayout(params, binding))
      : createJsonlFieldWriter(outputPath, fieldCount > 1 || params.postprocess !== 'none'),
  );
  const review = reviewPath
    ? await writing(reviewPath, () => createLineWriter(reviewPath)).catch(async (error) => {
        await output.abort();
        throw error;
      })
    : undefined;
  let reviewed = 0;
  let cols = 0;
  return {
    async write(batch, firstRow) {
      const [first, ...rest] = batch.outputs;
      const processed = postprocessFields(params.postprocess, params.k, first!, batch.rows);
      const fields: OutputField[] = [...processed.fields, ...rest.map(asField)];
      cols = fields[0]!.rowShape.reduce((a, b) => a * b, 1);
      const writes = [output.write(fields, batch.rows)];
      if (review && params.reviewBelow !== undefined) {
        const probabilities = processed.probabilities ?? classScoresOf(first!);
        const lines = reviewLines(probabilities, batch.rows, firstRow + batch.firstRow, params.reviewBelow);
        reviewed += lines.length;
        writes.push(review.write(lines));
      }
      await writing(request.spec.output, () => Promise.all(writes));
    },
    async commit() {
      await writing(reviewPath ?? '', async () => review?.commit());
      await writing(request.spec.output, () => output.commit());
    },
    async abort() {
      await Promise.allSettled([output.abort(), review?.abort()]);
    },
    cols: () => cols,
    ...(reviewPath ? { review: { path: reviewPath, rows: () => reviewed } } : {}),
  };
}

/** File system errors while writing (disk full, permissions) may pass on another attempt or node. */
async function writing<T>(file: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (typeof (error as NodeJS.ErrnoException).code !== 'string') throw error;
    throw new RunnerError('OUTPUT_FAILED', `cannot write ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function classScoresOf(block: BatchOutput['outputs'][number]): { classes: number; values: Float32Array } {
  const { classes, scores } = classScores(block);
  return { classes, values: scores };
}

/** Rows whose top probability is below the threshold: {"row", "prediction", "confidence"} per line. */
function reviewLines(
  probabilities: { classes: number; values: Float32Array },
  rows: number,
  firstRow: number,
  below: number,
): string[] {
  const { classes, values } = probabilities;
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (values[r * classes + c]! > values[r * classes + best]!) best = c;
    const confidence = values[r * classes + best]!;
    // NaN is no confidence at all: it goes to review too.
    if (!(confidence >= below)) {
      lines.push(`{"row":${firstRow + r},"prediction":${best},"confidence":${formatFloat32(confidence)}}\n`);
    }
  }
  return lines;
}

function defaultReviewName(params: InferenceParams): string {
  return params.shard ? `review-${params.shard.index}-of-${params.shard.count}.jsonl` : 'review.jsonl';
}

/** The element type and row shape an output with no rows is written with. */
function emptyLayout(params: InferenceParams, binding: ModelBinding): FieldLayout {
  const first = binding.outputs[0]!;
  const rowShape = first.shape.slice(1).map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : 0));
  if (params.postprocess === 'argmax') return { type: 'int64', rowShape: [] };
  if (params.postprocess === 'softmax') return { type: 'float32', rowShape };
  return { type: first.type, rowShape };
}

function unsupported(extension: string, supported: string[]): string {
  return `unsupported file type (${extension || 'no extension'}); use ${supported.join(', ')}`;
}
