// gpu.js finds WebGPU through `navigator.gpu`, which Node does not have. The `webgpu` package (Dawn's
// node binding, a dependency of gpu.js) provides it: this loads it, asks for an adapter, and only when
// one answers makes it `navigator.gpu`, so a GPU created afterwards with mode 'async' upgrades its
// kernels to WebGPU. Without it, gpu.js in Node never tries WebGPU.
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';

export interface WebGpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

export type WebGpuProbe =
  | { available: true; adapter: WebGpuAdapterInfo }
  | { available: false; reason: string };

interface DawnAdapter {
  info?: Partial<WebGpuAdapterInfo>;
  requestDevice(descriptor?: unknown): Promise<object>;
}

interface DawnGpu {
  requestAdapter(options?: unknown): Promise<DawnAdapter | null>;
}

interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

let installed: DawnGpu | undefined;

/**
 * The package's own entry point `require`s dawn.node, whose bundled abseil then binds to the copy that
 * Node 24 exports, and the first requestAdapter() aborts the process (an abseil assertion). Loading it
 * with RTLD_DEEPBIND keeps its symbols its own.
 */
function loadDawn(): DawnModule {
  const entry = createRequire(import.meta.url).resolve('webgpu');
  const binary = join(dirname(entry), 'dist', `${process.platform}-${process.arch}.dawn.node`);
  const module = { exports: {} as DawnModule };
  const flags = constants.dlopen as Record<string, number>;
  process.dlopen(module, binary, (flags['RTLD_NOW'] ?? 0) | (flags['RTLD_DEEPBIND'] ?? 0));
  return module.exports;
}

/**
 * Loads Dawn and requests an adapter (within `timeoutMs`). On success `navigator.gpu` is set until
 * uninstallNodeWebGpu(); on failure nothing changes and `reason` says why (Dawn did not load, no adapter).
 */
export async function installNodeWebGpu(timeoutMs = 20_000): Promise<WebGpuProbe> {
  let module: DawnModule;
  try {
    module = loadDawn();
  } catch (error) {
    return { available: false, reason: `the webgpu package (Dawn) did not load: ${message(error)}` };
  }
  let gpu: DawnGpu;
  try {
    gpu = module.create([]);
  } catch (error) {
    return { available: false, reason: `Dawn did not start: ${message(error)}` };
  }
  let adapter: Awaited<ReturnType<DawnGpu['requestAdapter']>>;
  try {
    adapter = await withTimeout(gpu.requestAdapter(), timeoutMs);
  } catch (error) {
    return { available: false, reason: `requestAdapter failed: ${message(error)}` };
  }
  if (!adapter) {
    return {
      available: false,
      reason:
        'Dawn found no WebGPU adapter (on Linux it needs the Vulkan loader libvulkan.so.1 and a Vulkan ' +
        'driver; for NVIDIA, VK_DRIVER_FILES may have to name nvidia_icd.json)',
    };
  }
  // GPUBufferUsage, GPUMapMode and friends, which gpu.js's WebGPU backend reads as globals.
  Object.assign(globalThis, module.globals);
  acceptPlainErrorHandlers(gpu);
  Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  installed = gpu;
  const info = adapter.info ?? {};
  return {
    available: true,
    adapter: {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
    },
  };
}

/** Removes `navigator.gpu` again: Dawn keeps the process alive while it is referenced. */
export function uninstallNodeWebGpu(): void {
  if (!installed) return;
  delete (globalThis.navigator as { gpu?: unknown }).gpu;
  installed = undefined;
}

/**
 * gpu.js sets `device.onuncapturederror = (event) => ...`; Dawn's binding accepts no plain function there
 * (nor in addEventListener) and throws, so gpu.js would decline WebGPU for every kernel. Devices from this
 * GPU get an own `onuncapturederror` property that keeps the handler; Dawn still prints uncaptured errors
 * to stderr itself.
 */
function acceptPlainErrorHandlers(gpu: DawnGpu): void {
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  Object.defineProperty(gpu, 'requestAdapter', {
    configurable: true,
    value: async (options?: unknown) => {
      const adapter = await requestAdapter(options);
      if (!adapter) return adapter;
      const requestDevice = adapter.requestDevice.bind(adapter);
      Object.defineProperty(adapter, 'requestDevice', {
        configurable: true,
        value: async (descriptor?: unknown) => {
          const device = await requestDevice(descriptor);
          let handler: unknown = null;
          Object.defineProperty(device, 'onuncapturederror', {
            configurable: true,
            get: () => handler,
            set: (value: unknown) => {
              handler = value;
            },
          });
          return device;
        },
      });
      return adapter;
    },
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
