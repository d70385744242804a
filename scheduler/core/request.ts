// How to read a ResourceRequest: whole GPUs take precedence over a share if both are set.
import type { ResourceRequest } from './types.ts';

export function wantsWholeGpus(request: ResourceRequest): boolean {
  return request.gpus > 0;
}

export function wantsGpuShare(request: ResourceRequest): boolean {
  return request.gpus <= 0 && request.gpuMilli > 0;
}

/** A job with gpus 0 and gpuMilli 0 is CPU-only: GPU filters, the model one included, do not apply. */
export function wantsGpu(request: ResourceRequest): boolean {
  return wantsWholeGpus(request) || wantsGpuShare(request);
}

export function modelAllowed(request: ResourceRequest, model: string): boolean {
  return request.gpuModel.length === 0 || request.gpuModel.includes(model);
}
