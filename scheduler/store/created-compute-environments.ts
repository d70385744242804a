// Compute environments created while the service runs (POST /v1/compute-environments, AWS
// CreateComputeEnvironment): only the simulated type, whose executor needs nothing but its definition.
// One Redis hash of definitions, like job queues; every process keeps a copy, refreshed by polling, and
// the leader starts an executor for each new one.
import type { Redis } from 'ioredis';
import { type SimulatedEnvironment, SimulatedEnvironmentSchema } from '../config.ts';
import type { Keys } from './keys.ts';
import { StoredDefinitions } from './stored-definitions.ts';

export class CreatedComputeEnvironments {
  private readonly definitions: StoredDefinitions<SimulatedEnvironment>;

  constructor(redis: Redis, keys: Keys) {
    this.definitions = new StoredDefinitions(redis, keys.createdComputeEnvironments, (value) => {
      const parsed = SimulatedEnvironmentSchema.safeParse(value);
      return parsed.success ? parsed.data : undefined;
    });
  }

  /** False when one of that name was created already (nothing is changed). */
  create(definition: SimulatedEnvironment): Promise<boolean> {
    return this.definitions.create(definition);
  }

  /** Reloads the definitions; true (and listeners told) when one was added. */
  refresh(): Promise<boolean> {
    return this.definitions.refresh();
  }

  onChange(listener: () => void): void {
    this.definitions.onChange(listener);
  }

  /** From the local copy, by name. */
  all(): SimulatedEnvironment[] {
    return this.definitions.cachedAll();
  }
}
