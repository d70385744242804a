// The inference loop: batches of rows go through the model one session.run at a time, while the next
// batch is already being read (its read was issued before this run) and the previous output is being
// written. At most three batches are alive at once, so memory is bounded by the batch size, not the input.
import * as ort from 'onnxruntime-node';
import type { KernelContext } from '../kernel-definition.ts';
import { ModelError } from '../kernel-errors.ts';
import { allocateElements, type ElementArray } from './element-types.ts';
import type { ModelBinding } from './model-binding.ts';
import type { LoadedModel } from './session-cache.ts';

export interface RowBatch {
  rows: number;
  /**
   * rows * (values per row), row after row, of the binding's input type. Sources may reuse it for the
   * batch after next: the loop below asks for that one only once this batch's run has finished.
   */
  data: ElementArray;
}

/** One fetched output for the rows of one batch (padding rows of a fixed-batch model removed). */
export interface OutputBlock {
  name: string;
  type: ort.Tensor.Type;
  rowShape: number[];
  data: ort.Tensor.DataType;
}

export interface BatchOutput {
  /** Index of the batch's first row among the rows fed in this run. */
  firstRow: number;
  rows: number;
  outputs: OutputBlock[];
}

export async function runBatches(
  model: LoadedModel,
  binding: ModelBinding,
  batches: AsyncIterator<RowBatch>,
  consume: (output: BatchOutput) => Promise<void>,
  context: Pick<KernelContext, 'signal' | 'onProgress'> & {
    totalRows: number;
    /** Once aborted, no further batch starts: the one running finishes and is written, then it returns. */
    stop?: AbortSignal;
  },
): Promise<number> {
  const rowSize = binding.feedRowShape.reduce((a, b) => a * b, 1);
  const fetches = binding.outputs.map((output) => output.name);
  let pending = batches.next();
  // Until awaited, a failed read or write must not count as an unhandled rejection.
  pending.catch(() => {});
  let writing: Promise<void> = Promise.resolve();
  let done = 0;
  try {
    for (;;) {
      if (context.stop?.aborted) break;
      const next = await pending;
      if (next.done) break;
      context.signal.throwIfAborted();
      const batch = next.value;
      pending = batches.next();
      pending.catch(() => {});
      const feedRows = binding.fixedBatch ?? batch.rows;
      if (batch.rows > feedRows) {
        throw new ModelError(`a batch of ${batch.rows} rows exceeds the model's fixed batch of ${feedRows}`);
      }
      const tensor = inputTensor(binding, padded(batch, feedRows, rowSize, binding), feedRows);
      const results = await model.session.run({ [binding.inputName]: tensor }, fetches);
      const outputs = fetches.map((name) => outputBlock(name, results[name]!, feedRows, batch.rows));
      await writing;
      writing = consume({ firstRow: done, rows: batch.rows, outputs });
      writing.catch(() => {});
      done += batch.rows;
      context.onProgress(done, context.totalRows);
    }
    await writing;
    return done;
  } finally {
    // Leave nothing running behind a failure: the reader and writer may hold file handles.
    await Promise.allSettled([pending, writing]);
    await batches.return?.();
  }
}

function inputTensor(binding: ModelBinding, data: ElementArray, rows: number): ort.Tensor {
  const tensor = new ort.Tensor(binding.inputType, data, [rows, ...binding.feedRowShape]);
  // Where Float16Array exists (Node 24), onnxruntime-common wraps float16 bits in one, which the native
  // binding (1.30) cannot read ("not enough space"); it reads the raw Uint16Array bits fine.
  if (binding.inputType === 'float16') (tensor as unknown as { cpuData: ElementArray }).cpuData = data;
  return tensor;
}

/** A fixed-batch model gets its full batch: the last, shorter batch is padded with zeros. */
function padded(batch: RowBatch, feedRows: number, rowSize: number, binding: ModelBinding): ElementArray {
  if (batch.rows === feedRows) return batch.data;
  const full = allocateElements(binding.inputType, feedRows * rowSize);
  (full as Uint8Array).set(batch.data as Uint8Array);
  return full;
}

function outputBlock(name: string, tensor: ort.Tensor, feedRows: number, rows: number): OutputBlock {
  const [first, ...rowShape] = tensor.dims;
  if (first !== feedRows) {
    throw new ModelError(
      `model output "${name}" has shape (${tensor.dims.join(', ')}) for a batch of ${feedRows} rows; ` +
        'batch inference needs one output row per input row',
    );
  }
  const rowSize = rowShape.reduce((a, b) => a * b, 1);
  const data = rows === feedRows ? tensor.data : (tensor.data as Float32Array).subarray(0, rows * rowSize);
  return { name, type: tensor.type, rowShape: [...rowShape], data };
}
