// containerProperties.resourceRequirements (and the older vcpus/memory) <-> gpubatch resources.
//   GPU    "2"    -> resources.gpus 2;  below 1 ("0.25") -> resources.gpuMilli 250 (a gpubatch extension)
//   VCPU   "1.5"  -> resources.cpuMilli 1500
//   MEMORY "2048" -> resources.memoryMiB 2048 (MiB, as in AWS)
import { z } from 'zod';
import type { ResourcesOverrideSchema } from '../schemas/job-definition.ts';
import { ClientException } from './errors.ts';

export const ResourceRequirementSchema = z.strictObject({
  type: z.enum(['GPU', 'VCPU', 'MEMORY']),
  value: z.string().regex(/^\d+(\.\d+)?$/, 'a decimal number as a string, e.g. "2" or "0.5"'),
});
export type ResourceRequirement = z.output<typeof ResourceRequirementSchema>;

type Resources = z.output<typeof ResourcesOverrideSchema>;

export function resourcesFromRequirements(
  requirements: ResourceRequirement[] | undefined,
  legacy: { vcpus?: number; memory?: number },
  field: string,
): Resources | undefined {
  const resources: Resources = {};
  if (legacy.vcpus !== undefined) resources.cpuMilli = legacy.vcpus * 1000;
  if (legacy.memory !== undefined) resources.memoryMiB = legacy.memory;
  for (const { type, value } of requirements ?? []) {
    const amount = Number(value);
    if (type === 'GPU') {
      if (amount >= 1 && !Number.isInteger(amount))
        throw new ClientException(
          `${field}: GPU is a whole number, or below 1 for a share of one GPU; got ${value}`,
        );
      if (amount >= 1) resources.gpus = amount;
      else resources.gpuMilli = Math.round(amount * 1000);
    } else if (type === 'VCPU') {
      resources.cpuMilli = Math.round(amount * 1000);
    } else {
      if (!Number.isInteger(amount)) throw new ClientException(`${field}: MEMORY is whole MiB; got ${value}`);
      resources.memoryMiB = amount;
    }
  }
  return Object.keys(resources).length > 0 ? resources : undefined;
}

export function requirementsFromResources(resources: Resources | undefined): ResourceRequirement[] {
  const out: ResourceRequirement[] = [];
  if (!resources) return out;
  if (resources.gpus) out.push({ type: 'GPU', value: String(resources.gpus) });
  else if (resources.gpuMilli) out.push({ type: 'GPU', value: String(resources.gpuMilli / 1000) });
  if (resources.cpuMilli !== undefined) out.push({ type: 'VCPU', value: String(resources.cpuMilli / 1000) });
  if (resources.memoryMiB !== undefined) out.push({ type: 'MEMORY', value: String(resources.memoryMiB) });
  return out;
}
