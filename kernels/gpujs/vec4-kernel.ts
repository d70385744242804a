// Kernels whose threads each return four values (gpu.js returnType Array(4), read back with vec4Values),
// compiled once per GPU instance and function; output size and arguments vary per call.
import type { GPU, IGPUKernelSettings, IKernelRunShortcut, KernelFunction } from 'gpu.js';

const compiled = new WeakMap<GPU, Map<KernelFunction, IKernelRunShortcut>>();

/**
 * `constants` reach the function as this.constants; loops run up to `loopLimit` iterations (gpu.js stops a
 * loop with a variable bound after loopMaxIterations, 1000 by default, without a word).
 */
export function vec4Kernel(
  gpu: GPU,
  // biome-ignore lint/suspicious/noExplicitAny: gpu.js kernel functions differ in arguments and constants.
  fn: KernelFunction<any, any>,
  constants: Record<string, number>,
  loopLimit: number,
): IKernelRunShortcut {
  let byFunction = compiled.get(gpu);
  if (!byFunction) {
    byFunction = new Map();
    compiled.set(gpu, byFunction);
  }
  let kernel = byFunction.get(fn);
  if (!kernel) {
    // loopMaxIterations and returnType are gpu.js settings its typings leave out.
    const settings: IGPUKernelSettings & { loopMaxIterations: number; returnType: string } = {
      output: [1, 1],
      dynamicOutput: true,
      dynamicArguments: true,
      returnType: 'Array(4)',
      constants,
      loopMaxIterations: loopLimit,
      precision: 'single',
      tactic: 'precision',
    };
    kernel = gpu.createKernel(fn, settings);
    returnFlatOnWebAssembly(kernel);
    byFunction.set(fn, kernel);
  }
  return kernel;
}

/**
 * gpu.js's webasm backend hands an Array(4) result back as one 4-float subarray view per output cell
 * (`_shapeOutput`), millions of small objects per call for the dot-product tiles: in a profile of
 * cosine-topk, building them and collecting them afterwards was a quarter of the run, on the main thread
 * while the workers waited. Its data is one flat Float32Array already; this makes the webasm kernel
 * instance return that (vec4Values takes it as it is). Only the instance gpu.js created first, and only
 * when it is webasm and has the method this relies on; a WebGPU kernel that replaces it is untouched.
 */
function returnFlatOnWebAssembly(kernel: IKernelRunShortcut): void {
  const instance = (
    kernel as unknown as { kernel?: { constructor: { mode?: string }; _shapeOutput?: unknown } }
  ).kernel;
  if (instance?.constructor.mode !== 'webasm' || typeof instance._shapeOutput !== 'function') return;
  const shape = instance._shapeOutput as (
    data: Float32Array,
    output: number[],
    components: number,
  ) => unknown;
  instance._shapeOutput = function (this: unknown, data: Float32Array, output: number[], components: number) {
    return components === 4 ? data : shape.call(this, data, output, components);
  };
}
