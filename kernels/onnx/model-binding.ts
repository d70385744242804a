// Matches a job's input (element type, row shape) and parameters to a loaded model: which input to feed,
// with what tensor shape, whether the batch size is fixed by the model, and which outputs to fetch.
import { InputMismatchError, ModelError } from '../kernel-errors.ts';
import { INPUT_ELEMENT_TYPES, type InputElementType, isInputElementType } from './element-types.ts';
import type { LoadedModel, TensorInfo } from './session-cache.ts';

/** The parameters name something the model does not have (an input or output name). */
export class ParamsMismatchError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ParamsMismatchError';
    this.field = field;
  }
}

export interface InputDescription {
  /** The file's element type; undefined for text inputs, whose numbers are converted to the model's. */
  dtype?: InputElementType;
  /** Dimensions of one row; [] for a 1-D array. */
  rowShape: number[];
}

export interface ModelBinding {
  inputName: string;
  inputType: InputElementType;
  /** Tensor dimensions after the batch dimension. */
  feedRowShape: number[];
  /** Set when the model's batch dimension is a fixed number: every run gets exactly this many rows. */
  fixedBatch?: number;
  outputs: TensorInfo[];
}

export function bindModel(
  model: LoadedModel,
  wanted: { inputName?: string | undefined; outputs?: string[] | undefined },
  input: InputDescription,
): ModelBinding {
  const modelInput = chooseInput(model, wanted.inputName);
  if (!isInputElementType(modelInput.type)) {
    throw new ModelError(
      `model input "${modelInput.name}" is ${modelInput.type}; batch inference feeds ${INPUT_ELEMENT_TYPES.join(', ')}`,
    );
  }
  if (input.dtype !== undefined && input.dtype !== modelInput.type) {
    throw new InputMismatchError(
      `input is ${input.dtype} but model input "${modelInput.name}" takes ${modelInput.type}`,
    );
  }
  const [batchDim, ...modelRowShape] = modelInput.shape;
  const feedRowShape = matchRowShape(modelInput, modelRowShape, input.rowShape);
  const outputs = (wanted.outputs ?? [model.outputs[0]!.name]).map((name, i) => {
    const output = model.outputs.find((candidate) => candidate.name === name);
    if (!output) {
      throw new ParamsMismatchError(
        `params.outputs[${i}]`,
        `"${name}" is not an output of the model; it has ${quoted(model.outputs)}`,
      );
    }
    return output;
  });
  return {
    inputName: modelInput.name,
    inputType: modelInput.type,
    feedRowShape,
    ...(typeof batchDim === 'number' && batchDim > 0 ? { fixedBatch: batchDim } : {}),
    outputs,
  };
}

function chooseInput(model: LoadedModel, name: string | undefined): TensorInfo {
  if (name !== undefined) {
    const found = model.inputs.find((input) => input.name === name);
    if (!found) {
      throw new ParamsMismatchError(
        'params.inputName',
        `"${name}" is not an input of the model; it has ${quoted(model.inputs)}`,
      );
    }
  }
  if (model.inputs.length > 1) {
    throw new ModelError(
      `the model has ${model.inputs.length} inputs (${quoted(model.inputs)}); batch inference feeds exactly one`,
    );
  }
  return model.inputs[0]!;
}

/** The row shape to feed: the file's, checked against every fixed dimension the model declares. */
function matchRowShape(input: TensorInfo, modelRowShape: (number | string)[], rowShape: number[]): number[] {
  // A model that declares no shape takes whatever rows come.
  if (input.shape.length === 0) return rowShape;
  // A 1-D file is a column: it feeds a model that takes rows of one value.
  const fileShape = rowShape.length === 0 && modelRowShape.length === 1 ? [1] : rowShape;
  const fits =
    fileShape.length === modelRowShape.length &&
    modelRowShape.every((dim, i) => typeof dim !== 'number' || dim < 0 || dim === fileShape[i]);
  if (!fits) {
    throw new InputMismatchError(
      fileShape.length === 1 && modelRowShape.length === 1
        ? `input has ${fileShape[0]} columns; model input "${input.name}" expects ${modelRowShape[0]}`
        : `input rows have shape (${fileShape.join(', ')}); model input "${input.name}" takes rows of (${modelRowShape.join(', ')})`,
    );
  }
  return fileShape;
}

function quoted(values: TensorInfo[]): string {
  return values.map((value) => `"${value.name}"`).join(', ');
}
