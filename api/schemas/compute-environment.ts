// Body of PATCH /v1/compute-environments/:name: the settings that may change while the service runs.
import { z } from 'zod';
import { ComputeEnvironmentSettingsSchema, SimulatedEnvironmentSchema } from '../../scheduler/config.ts';

/** Body of POST /v1/compute-environments: only the simulated type may be created while the service runs. */
export const ComputeEnvironmentCreateSchema = SimulatedEnvironmentSchema;

/** Types whose executor is set up at start from the config: creating one at run time is refused so. */
export const CONFIGURED_ONLY_TYPES: Record<string, string> = {
  local: 'it is this machine, detected (or declared) when the service starts',
  kubernetes:
    'its executor needs cluster credentials, a namespace and an image, read when the service starts',
};

const { shape } = ComputeEnvironmentSettingsSchema;

export const ComputeEnvironmentPatchSchema = z
  .strictObject({
    state: shape.state.unwrap().optional(),
    maxNodes: shape.maxNodes.unwrap().nullable().optional(),
    minNodes: shape.minNodes.unwrap().nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'nothing to change: name at least one field',
  });
