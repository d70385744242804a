// A cheap look inside an ONNX file without creating a runtime session: enough to reject files that are not
// ONNX models at submit time and to learn the input width.
import { readFile, stat } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import { ModelError } from '../kernel-errors.ts';

const { onnx } = onnxProto;

/** Larger models are only checked by the runner: reading them whole at submit time is not cheap. */
export const MAX_SUMMARY_BYTES = 256 * 1024 * 1024;

export interface ModelSummary {
  /** `type` as onnxruntime names it ("float32", "int64", ...), or "onnx type <n>" for the rest. */
  inputs: { name: string; type: string; shape: (number | string)[] }[];
  outputs: string[];
}

const { DataType } = onnx.TensorProto;
const TYPE_NAMES: Record<number, string> = {
  [DataType.FLOAT]: 'float32',
  [DataType.FLOAT16]: 'float16',
  [DataType.DOUBLE]: 'float64',
  [DataType.INT64]: 'int64',
  [DataType.INT32]: 'int32',
  [DataType.UINT8]: 'uint8',
  [DataType.INT8]: 'int8',
  [DataType.BOOL]: 'bool',
  [DataType.STRING]: 'string',
};

/** The graph's inputs (initializers excluded) and outputs; undefined when the file is too large to look at. */
export async function readModelSummary(path: string): Promise<ModelSummary | undefined> {
  if ((await stat(path)).size > MAX_SUMMARY_BYTES) return undefined;
  return summarizeModel(await readFile(path));
}

export function summarizeModel(bytes: Uint8Array): ModelSummary {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new ModelError(`not an ONNX model: ${(error as Error).message}`, { cause: error });
  }
  const graph = model.graph;
  // Protobuf decodes many byte strings without complaint; a real model has a graph with nodes and an opset.
  if (!graph || (graph.node ?? []).length === 0 || model.opsetImport.length === 0) {
    throw new ModelError('not an ONNX model: no graph with nodes and an opset');
  }
  const initializers = new Set((graph.initializer ?? []).map((tensor) => tensor.name));
  const inputs = (graph.input ?? [])
    .filter((value) => !initializers.has(value.name))
    .map((value) => ({
      name: value.name ?? '',
      type: typeName(value.type?.tensorType?.elemType ?? 0),
      shape: (value.type?.tensorType?.shape?.dim ?? []).map((dim) =>
        dim.dimParam ? dim.dimParam : Number(dim.dimValue ?? 0),
      ),
    }));
  const outputs = (graph.output ?? []).map((value) => value.name ?? '');
  if (inputs.length !== 1)
    throw new ModelError(`the model has ${inputs.length} inputs; batch inference feeds one`);
  if (outputs.length === 0) throw new ModelError('the model has no outputs');
  return { inputs, outputs };
}

function typeName(elemType: number): string {
  return TYPE_NAMES[elemType] ?? `onnx type ${elemType}`;
}
