// Kernels whose threads each return four values (gpu.js returnType Array(4), read back with vec4Values),
// compiled once per GPU instance and function; output size and arguments vary per call.
import type { GPU, IGPUKernelSettings, IKernelRunShortcut, KernelFunction } from 'gpu.js';
import { returnFlatOnWebAssembly } from './flat-output.ts';

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
    // Each cell's four values would otherwise come back as a view of their own (in a profile of
    // cosine-topk, building and collecting them was a quarter of the run).
    returnFlatOnWebAssembly(kernel);
    byFunction.set(fn, kernel);
  }
  return kernel;
}
