// Body of PATCH /v1/compute-environments/:name: the settings that may change while the service runs.
import { z } from 'zod';
import { ComputeEnvironmentSettingsSchema } from '../../scheduler/config.ts';

const { shape } = ComputeEnvironmentSettingsSchema;

export const ComputeEnvironmentPatchSchema = z
  .strictObject({
    state: shape.state.unwrap().optional(),
    maxNodes: shape.maxNodes.unwrap().nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'nothing to change: name at least one field',
  });
