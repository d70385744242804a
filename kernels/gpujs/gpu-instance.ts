// One gpu.js instance per process, kept warm across attempts: creating it and compiling kernels is the
// slow part, and reusing runner processes exists to pay that once.
import { GPU } from 'gpu.js';

let gpu: GPU | undefined;

/** 'async' mode picks the best backend available here: WebGPU, headless GL, WebAssembly, then CPU. */
export function sharedGpu(): GPU {
  gpu ??= new GPU({ mode: 'async' });
  return gpu;
}

/** Frees kernels and worker threads; the next sharedGpu() call starts afresh. */
export async function destroySharedGpu(): Promise<void> {
  const current = gpu;
  gpu = undefined;
  await current?.destroy();
}

/** The backend a kernel actually ran on, as recorded in attempts: "gpu.js:webasm". */
export function gpuBackendName(kernel: { kernel?: unknown }): string {
  const mode = (kernel.kernel as { constructor?: { mode?: string } } | undefined)?.constructor?.mode;
  return `gpu.js:${mode ?? 'unknown'}`;
}
