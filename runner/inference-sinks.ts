// Where an inference attempt's results go: the output file and, with confidence routing, the review file.
// Both are written into work files that a checkpoint can refer to, and committed together at the end.
import { dirname, join, resolve } from 'node:path';
import type { InferenceParams } from '../kernels/onnx/inference-params.ts';
import type { ModelBinding } from '../kernels/onnx/model-binding.ts';
import { asField, classScores, type OutputField, postprocessFields } from '../kernels/onnx/postprocess.ts';
import type { BatchOutput } from '../kernels/onnx/run-inference.ts';
import { workPathFor } from './checkpoint.ts';
import { RunnerError } from './errors.ts';
import { openResumableFile } from './io/atomic-write.ts';
import { formatFloat32 } from './io/jsonl.ts';
import {
  createJsonlFieldWriter,
  createLineWriter,
  createNpyFieldWriter,
  type FieldLayout,
  type FieldWriter,
  type WriterState,
} from './io/output-writers.ts';
import type { AttemptRequest } from './protocol.ts';

/** The files an attempt writes, checked before anything is opened. */
export interface SinkPlan {
  outputPath: string;
  outputExtension: string;
  reviewPath?: string;
  /** Arrays per output row: model outputs plus post-processed fields (topk: indices and scores). */
  fieldCount: number;
}

/** What a checkpoint records of the sinks: their work files' durable lengths, the review row count. */
export interface SinkState {
  output: WriterState;
  review?: WriterState & { rows: number };
  cols: number;
}

export interface Sinks {
  write(batch: BatchOutput, firstRow: number): Promise<void>;
  /** fsyncs both work files and says where they stand. */
  checkpoint(): Promise<SinkState>;
  commit(): Promise<void>;
  /** Removes the work files (cancel, or a failure no later attempt will resume). */
  abort(): Promise<void>;
  /** Closes the work files and leaves them for the next attempt, which resumes from a checkpoint. */
  leave(): Promise<void>;
  cols(): number;
  review?: { path: string; rows(): number };
}

export function planSinks(
  params: InferenceParams,
  binding: ModelBinding,
  request: AttemptRequest,
  outputPath: string,
  outputExtension: string,
): SinkPlan {
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
  return { outputPath, outputExtension, fieldCount, ...(reviewPath ? { reviewPath } : {}) };
}

/** Opens the sinks fresh, or where `resume` (from a checkpoint) left them. */
export async function openSinks(
  plan: SinkPlan,
  params: InferenceParams,
  binding: ModelBinding,
  request: AttemptRequest,
  resume?: SinkState,
): Promise<Sinks> {
  const { outputPath, reviewPath } = plan;
  const outputName = request.spec.output;
  const output: FieldWriter = await writing(outputName, async () => {
    const file = await openResumableFile(
      outputPath,
      workPathFor(outputPath, request.jobId),
      resume?.output.bytes,
    );
    return plan.outputExtension === '.npy'
      ? createNpyFieldWriter(file, emptyLayout(params, binding), resume?.output)
      : createJsonlFieldWriter(file, plan.fieldCount > 1 || params.postprocess !== 'none');
  });
  const review = reviewPath
    ? await writing(reviewPath, async () =>
        createLineWriter(
          await openResumableFile(reviewPath, workPathFor(reviewPath, request.jobId), resume?.review?.bytes),
        ),
      ).catch(async (error) => {
        await output.abort();
        throw error;
      })
    : undefined;
  let reviewed = resume?.review?.rows ?? 0;
  let cols = resume?.cols ?? 0;
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
      await writing(outputName, () => Promise.all(writes));
    },
    async checkpoint() {
      const [outputState, reviewState] = await writing(outputName, () =>
        Promise.all([output.checkpoint(), review?.checkpoint()]),
      );
      return {
        output: outputState,
        cols,
        ...(reviewState ? { review: { ...reviewState, rows: reviewed } } : {}),
      };
    },
    async commit() {
      await writing(reviewPath ?? '', async () => review?.commit());
      await writing(outputName, () => output.commit());
    },
    async abort() {
      await Promise.allSettled([output.abort(), review?.abort()]);
    },
    async leave() {
      await Promise.allSettled([output.leave(), review?.leave()]);
    },
    cols: () => cols,
    ...(reviewPath ? { review: { path: reviewPath, rows: () => reviewed } } : {}),
  };
}

/** File system errors while writing (disk full, permissions) may pass on another attempt or node. */
export async function writing<T>(file: string, write: () => Promise<T>): Promise<T> {
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
