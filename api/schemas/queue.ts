// Bodies of POST /v1/queues and PATCH /v1/queues/:name (the same rules as the config's `queues:`).
import { z } from 'zod';
import { QueueSchema } from '../../scheduler/config.ts';

export const QueueCreateSchema = QueueSchema;

const { shape } = QueueSchema;

export const QueuePatchSchema = z
  .strictObject({
    priority: shape.priority.unwrap().optional(),
    state: shape.state.unwrap().optional(),
    computeEnvironment: shape.computeEnvironment.unwrap().optional(),
    computeEnvironments: shape.computeEnvironments,
    canPreempt: shape.canPreempt.unwrap().optional(),
    preemptible: shape.preemptible.unwrap().optional(),
    maxRunnableSeconds: shape.maxRunnableSeconds.unwrap().nullable().optional(),
    maxConcurrentJobs: shape.maxConcurrentJobs.unwrap().nullable().optional(),
    /** Replaces the whole policy (defaults fill what it omits); null removes it. */
    fairSharePolicy: shape.fairSharePolicy.unwrap().nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'nothing to change: name at least one field',
  });
