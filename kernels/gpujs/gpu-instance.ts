// One gpu.js instance per process, kept warm across attempts: creating it and compiling kernels is the
// slow part, and reusing runner processes exists to pay that once.
import { GPU } from 'gpu.js';
import { installNodeWebGpu, type WebGpuProbe } from './node-webgpu.ts';

let gpu: GPU | undefined;
/** The one WebGPU probe of this process: Dawn is loaded at most once. */
let webGpuProbe: Promise<WebGpuProbe> | undefined;

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

/**
 * For an attempt that was given GPUs: makes WebGPU (Dawn) available to gpu.js, once per process, before
 * the shared instance is created (an instance created earlier could not see it and is replaced). Returns
 * why WebGPU is not available, or undefined when it is; kernels then still run on the next backend.
 */
export async function enableWebGpu(): Promise<string | undefined> {
  if (!webGpuProbe) {
    webGpuProbe = installNodeWebGpu();
    if ((await webGpuProbe).available && gpu) await destroySharedGpu();
  }
  const probe = await webGpuProbe;
  return probe.available ? undefined : probe.reason;
}
