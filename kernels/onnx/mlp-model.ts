// A small multilayer perceptron as an ONNX graph, from seeded weights, plus the same math in float64:
// features [N, inputDim] -> (Gemm -> Relu)* -> Gemm -> Softmax -> probabilities [N, outputDim].
import onnxProto from 'onnx-proto';
import type { Matrix } from '../matrix.ts';
import { normal, seededRandom } from '../seeded-random.ts';

const { onnx } = onnxProto;

export interface MlpShape {
  inputDim: number;
  /** Width of each hidden layer, in order; each is followed by a Relu. */
  hiddenDims: number[];
  outputDim: number;
  seed: number;
  /** A fixed batch dimension instead of the dynamic "N" (models exported for one batch size). */
  fixedBatch?: number;
  /** Also expose the pre-softmax scores as a second output, "logits". */
  exposeLogits?: boolean;
}

export const MLP_INPUT_NAME = 'features';
export const MLP_OUTPUT_NAME = 'probabilities';
export const MLP_LOGITS_NAME = 'logits';
/** Opset 13: Gemm, Relu and Softmax(axis=1) are stable there and every current runtime supports it. */
const OPSET = 13;

export interface DenseLayer {
  inDim: number;
  outDim: number;
  /** [inDim, outDim] row-major, float32 values. */
  weight: Float32Array;
  bias: Float32Array;
}

/** He-initialised float32 weights; the same shape and seed always give the same weights. */
export function mlpWeights(shape: MlpShape): DenseLayer[] {
  const random = seededRandom(shape.seed);
  const dims = [shape.inputDim, ...shape.hiddenDims, shape.outputDim];
  return dims.slice(1).map((outDim, i) => {
    const inDim = dims[i]!;
    const scale = Math.sqrt(2 / inDim);
    return {
      inDim,
      outDim,
      weight: Float32Array.from({ length: inDim * outDim }, () => normal(random) * scale),
      bias: Float32Array.from({ length: outDim }, () => normal(random) * 0.1),
    };
  });
}

/** The serialised ONNX model, with a dynamic batch dimension "N". */
export function buildMlpModel(shape: MlpShape): Uint8Array {
  const layers = mlpWeights(shape);
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  let current = MLP_INPUT_NAME;
  layers.forEach((layer, i) => {
    const last = i === layers.length - 1;
    initializer.push(floatTensor(`W${i}`, [layer.inDim, layer.outDim], layer.weight));
    initializer.push(floatTensor(`B${i}`, [layer.outDim], layer.bias));
    const linear = last ? MLP_LOGITS_NAME : `linear${i}`;
    nodes.push({ opType: 'Gemm', name: `gemm${i}`, input: [current, `W${i}`, `B${i}`], output: [linear] });
    if (last) {
      nodes.push({
        opType: 'Softmax',
        name: 'softmax',
        input: [linear],
        output: [MLP_OUTPUT_NAME],
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
      });
    } else {
      current = `hidden${i}`;
      nodes.push({ opType: 'Relu', name: `relu${i}`, input: [linear], output: [current] });
    }
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'gpubatch',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: 'mlp',
      node: nodes,
      initializer,
      input: [floatValueInfo(MLP_INPUT_NAME, shape.inputDim, shape.fixedBatch)],
      output: [
        floatValueInfo(MLP_OUTPUT_NAME, shape.outputDim, shape.fixedBatch),
        ...(shape.exposeLogits ? [floatValueInfo(MLP_LOGITS_NAME, shape.outputDim, shape.fixedBatch)] : []),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The model's math in float64 on the same float32 weights: one row of probabilities per input row. */
export function mlpReference(layers: DenseLayer[], input: Matrix): Float64Array {
  const outDim = layers.at(-1)!.outDim;
  const result = new Float64Array(input.rows * outDim);
  for (let r = 0; r < input.rows; r++) {
    let activations: number[] = Array.from(input.data.subarray(r * input.cols, (r + 1) * input.cols));
    layers.forEach((layer, i) => {
      const next = Array.from(layer.bias);
      for (let k = 0; k < layer.inDim; k++) {
        for (let j = 0; j < layer.outDim; j++)
          next[j]! += activations[k]! * layer.weight[k * layer.outDim + j]!;
      }
      activations = i === layers.length - 1 ? next : next.map((value) => Math.max(0, value));
    });
    const max = Math.max(...activations);
    const exps = activations.map((value) => Math.exp(value - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    exps.forEach((value, j) => {
      result[r * outDim + j] = value / sum;
    });
  }
  return result;
}

function floatTensor(name: string, dims: number[], values: Float32Array): onnxProto.onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    // ONNX raw data is little-endian, like the typed array on every platform we run on.
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  };
}

function floatValueInfo(name: string, width: number, fixedBatch?: number): onnxProto.onnx.IValueInfoProto {
  return valueInfo(name, onnx.TensorProto.DataType.FLOAT, width, fixedBatch);
}

/** A [batch, width] tensor; the batch dimension is "N" unless fixed. */
export function valueInfo(
  name: string,
  elemType: number,
  width: number,
  fixedBatch?: number,
): onnxProto.onnx.IValueInfoProto {
  const batch = fixedBatch === undefined ? { dimParam: 'N' } : { dimValue: fixedBatch };
  return { name, type: { tensorType: { elemType, shape: { dim: [batch, { dimValue: width }] } } } };
}
