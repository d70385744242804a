// The GPU check (docs/runner.md, "GPU check"): runs the kernels on gpu.js without WebGPU (webasm here)
// and then with WebGPU (Dawn, when an adapter answers), and ONNX Runtime with the providers that load;
// checks every result against the float64 references and prints throughput GPU next to CPU.
//
//   node bench/gpu-check.ts [--size=full|medium|tiny] [--no-webgpu] [--json=PATH]
//
// Exit status: 0 when every result is right (a backend or provider that could not load is reported, not
// a failure), 1 on a wrong result. On a GPU machine it runs from the bundle: bench/gpu-check.sh.
import { writeFileSync } from 'node:fs';
import { installNodeWebGpu, uninstallNodeWebGpu, type WebGpuProbe } from '../kernels/gpujs/node-webgpu.ts';
import { type CheckSize, kernelCases, tableBytes } from './gpu-check/kernel-cases.ts';
import { runPhase } from './gpu-check/kernel-phase.ts';
import { inferenceCheck } from './gpu-check/onnx-case.ts';
import { failuresOf, type GpuCheckResult, gpuCheckTable } from './gpu-check/report.ts';
import { machineDescription } from './machine.ts';

interface Options {
  size: CheckSize;
  webgpu: boolean;
  json: string | undefined;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { size: 'full', webgpu: true, json: undefined };
  for (const arg of argv) {
    if (['--size=full', '--size=medium', '--size=tiny'].includes(arg))
      options.size = arg.slice(7) as CheckSize;
    else if (arg === '--no-webgpu') options.webgpu = false;
    else if (arg.startsWith('--json=') && arg.length > 7) options.json = arg.slice(7);
    else
      throw new Error(`unknown argument "${arg}"; known: --size=full|medium|tiny, --no-webgpu, --json=PATH`);
  }
  return options;
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`gpu-check: ${(error as Error).message}\n`);
    return 2;
  }
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  progress(`machine: ${machineDescription()}`);
  const memoryCopyGBs = copyBandwidth(tableBytes(options.size));
  progress(`memory copy: ${memoryCopyGBs} GB/s`);
  const cases = kernelCases(options.size);
  const kernels = await runPhase('cpu', cases, progress);
  let webgpu: WebGpuProbe = { available: false, reason: 'not tried (--no-webgpu)' };
  if (options.webgpu) {
    webgpu = await installNodeWebGpu();
    progress(webgpu.available ? `webgpu: ${webgpu.adapter.description}` : `webgpu: ${webgpu.reason}`);
    if (webgpu.available) {
      try {
        kernels.push(...(await runPhase('webgpu', cases, progress)));
      } finally {
        uninstallNodeWebGpu();
      }
    }
  }
  const inference = await inferenceCheck(options.size, progress);
  const result: GpuCheckResult = {
    machine: machineDescription(),
    date: new Date().toISOString(),
    size: options.size,
    memoryCopyGBs,
    webgpu,
    kernels,
    inference,
    failures: failuresOf(kernels, inference),
  };
  console.log(gpuCheckTable(result));
  console.log(JSON.stringify(result));
  if (options.json) writeFileSync(options.json, `${JSON.stringify(result, null, 2)}\n`);
  return result.failures.length === 0 ? 0 : 1;
}

/** GB/s of TypedArray.set over a buffer of `bytes`, best of 3: what standardize's GB/s is judged against. */
function copyBandwidth(bytes: number): number {
  const source = new Float32Array(bytes / 4).fill(1.5);
  const target = new Float32Array(bytes / 4);
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    target.set(source);
    best = Math.min(best, performance.now() - started);
  }
  return Math.round((bytes / (best / 1e3) / 1e9) * 100) / 100;
}

// Exit explicitly: Dawn's threads would keep the process alive after the last kernel.
process.exit(await main());
