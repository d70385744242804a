// Makes a webasm kernel instance hand back its result as the one flat Float32Array it computed, whatever the
// output's shape. gpu.js otherwise builds a view per row (2D) or per cell (Array(4) returns) on the main
// thread, and collects them afterwards: millions of small objects per call for large outputs.
import type { IKernelRunShortcut } from 'gpu.js';

/**
 * Only the instance gpu.js created first, and only when it is webasm and has the method this relies on; a
 * WebGPU kernel that replaces it keeps its own shape.
 */
export function returnFlatOnWebAssembly(kernel: IKernelRunShortcut): void {
  const instance = (
    kernel as unknown as { kernel?: { constructor: { mode?: string }; _shapeOutput?: unknown } }
  ).kernel;
  if (instance?.constructor.mode !== 'webasm' || typeof instance._shapeOutput !== 'function') return;
  instance._shapeOutput = (data: Float32Array) => data;
}
