// The smallest model per input element type: values [N, width] of that type -> Cast -> float32 [N, width].
// Its output shows exactly what was fed, so tests can check each dtype is read and fed unchanged.
import onnxProto from 'onnx-proto';
import type { InputElementType } from './element-types.ts';
import { valueInfo } from './mlp-model.ts';

const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;

const ONNX_TYPES: Record<InputElementType, number> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int64: DataType.INT64,
  uint8: DataType.UINT8,
};

export const CAST_INPUT_NAME = 'values';
export const CAST_OUTPUT_NAME = 'as_float';

export function buildCastModel(type: InputElementType, width: number): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'gpubatch',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: `cast-${type}`,
      node: [
        {
          opType: 'Cast',
          name: 'cast',
          input: [CAST_INPUT_NAME],
          output: [CAST_OUTPUT_NAME],
          attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: DataType.FLOAT }],
        },
      ],
      input: [valueInfo(CAST_INPUT_NAME, ONNX_TYPES[type], width)],
      output: [valueInfo(CAST_OUTPUT_NAME, DataType.FLOAT, width)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
