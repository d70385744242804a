// Batch inference: the rows go through the model in micro-batches; the output is the model's first output.
import * as ort from 'onnxruntime-node';
import type { KernelContext } from '../kernel-definition.ts';
import { InputMismatchError, ModelError } from '../kernel-errors.ts';
import { createMatrix, type Matrix, rowSlice } from '../matrix.ts';
import type { LoadedModel } from './session-cache.ts';

export async function runInference(
  model: LoadedModel,
  input: Matrix,
  batchSize: number,
  context: Pick<KernelContext, 'signal' | 'onProgress'>,
): Promise<Matrix> {
  if (model.inputWidth !== undefined && input.cols !== model.inputWidth) {
    throw new InputMismatchError(
      `input has ${input.cols} columns; model input "${model.inputName}" expects ${model.inputWidth}`,
    );
  }
  let output: Matrix | undefined;
  for (let start = 0; start < input.rows; start += batchSize) {
    context.signal.throwIfAborted();
    const end = Math.min(input.rows, start + batchSize);
    const rows = end - start;
    // A copy, so the tensor owns exactly its rows rather than a window on the whole input.
    const batch = new ort.Tensor('float32', rowSlice(input, start, end).slice(), [rows, input.cols]);
    const results = await model.session.run({ [model.inputName]: batch });
    const result = results[model.outputName]!;
    if (result.type !== 'float32') {
      throw new ModelError(`model output "${model.outputName}" is ${result.type}; expected float32`);
    }
    const width = rows > 0 ? result.size / rows : 0;
    output ??= createMatrix(input.rows, width);
    if (width !== output.cols) {
      throw new ModelError(
        `model output "${model.outputName}" changed width from ${output.cols} to ${width}`,
      );
    }
    output.data.set(result.data as Float32Array, start * width);
    result.dispose();
    context.onProgress(end, input.rows);
  }
  return output ?? createMatrix(0, 0);
}
