// The named kernels a job of kind "kernel" can ask for.

import { cosineTopk } from './cosine-topk.ts';
import { impute } from './impute.ts';
import type { KernelDefinition } from './kernel-definition.ts';
import { matmul } from './matmul.ts';
import { minmax } from './minmax.ts';
import { profile } from './profile.ts';
import { standardize } from './standardize.ts';

// biome-ignore lint/suspicious/noExplicitAny: each kernel has its own params type; callers parse before use.
const kernels = new Map<string, KernelDefinition<any, any, any>>(
  [standardize, minmax, impute, profile, matmul, cosineTopk].map((kernel) => [kernel.name, kernel]),
);

// biome-ignore lint/suspicious/noExplicitAny: see above.
export function getKernel(name: string): KernelDefinition<any, any, any> | undefined {
  return kernels.get(name);
}

export function kernelNames(): string[] {
  return [...kernels.keys()].sort();
}
