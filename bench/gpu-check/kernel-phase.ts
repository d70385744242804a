// One pass of the kernel cases on one fresh gpu.js instance: 'cpu' before WebGPU is installed (gpu.js
// then picks webasm, or headless GL where it works), 'webgpu' after (mode 'async' upgrades each kernel to
// WebGPU on its first call when an adapter answers, and silently keeps the previous backend otherwise).
import { destroySharedGpu, sharedGpu } from '../../kernels/gpujs/gpu-instance.ts';
import type { KernelContext } from '../../kernels/kernel-definition.ts';
import type { KernelCase } from './kernel-cases.ts';

export type Phase = 'cpu' | 'webgpu';

export interface KernelRun {
  case: string;
  shape: string;
  phase: Phase;
  /** The backend that actually ran, e.g. "gpu.js:webgpu". */
  backend: string;
  /** Best of the timed runs (one, or up to three when a run takes under a second). */
  ms: number;
  throughput: number;
  unit: string;
  /** 'ok' or the first value outside tolerance. */
  check: string;
  /** Why this run is not on the phase's intended backend, if it is not. */
  note?: string;
}

const quiet: KernelContext = {
  signal: new AbortController().signal,
  onProgress: () => {},
  onBackend: () => {},
};

export async function runPhase(
  phase: Phase,
  cases: KernelCase[],
  progress: (line: string) => void,
): Promise<KernelRun[]> {
  sharedGpu();
  const runs: KernelRun[] = [];
  try {
    for (const kernelCase of cases) {
      progress(`${phase}: ${kernelCase.name} ${kernelCase.shape} ...`);
      await kernelCase.warmUp(quiet);
      let best = Infinity;
      let first: Awaited<ReturnType<KernelCase['run']>> | undefined;
      for (let attempt = 0; attempt < 3 && (attempt === 0 || best < 1000); attempt++) {
        const started = performance.now();
        const result = await kernelCase.run(quiet);
        best = Math.min(best, performance.now() - started);
        first ??= result;
      }
      const check = kernelCase.check(first!.output) ?? 'ok';
      const onWebGpu = first!.backend === 'gpu.js:webgpu';
      runs.push({
        case: kernelCase.name,
        shape: kernelCase.shape,
        phase,
        backend: first!.backend,
        ms: Math.round(best * 10) / 10,
        throughput: Math.round((kernelCase.work.amount / (best / 1e3)) * 100) / 100,
        unit: kernelCase.work.unit,
        check,
        ...(phase === 'webgpu' && !onWebGpu
          ? { note: 'gpu.js declined WebGPU for this kernel and kept its previous backend' }
          : {}),
      });
      progress(`  ${runs.at(-1)!.ms} ms on ${first!.backend}: ${check}`);
    }
  } finally {
    await destroySharedGpu();
  }
  return runs;
}
