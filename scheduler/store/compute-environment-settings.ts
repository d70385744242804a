// Compute environments' run-time settings (state, maxNodes, minNodes) in Redis, seeded from the config when absent;
// after that the stored ones apply, as for job queues. The rest of a compute environment (type, selector,
// image, credentials) is configuration: its executor is built at start.
import type { Redis } from 'ioredis';
import type {
  ComputeEnvironmentCatalog,
  ComputeEnvironmentPatch,
} from '../../api/compute-environment-catalog.ts';
import {
  type ComputeEnvironmentSettings,
  ComputeEnvironmentSettingsSchema,
  type SimulatedEnvironment,
} from '../config.ts';
import type { CreatedComputeEnvironments } from './created-compute-environments.ts';
import type { Keys } from './keys.ts';
import { StoredDefinitions } from './stored-definitions.ts';

export class ComputeEnvironmentSettingsStore implements ComputeEnvironmentCatalog {
  private readonly settings: StoredDefinitions<ComputeEnvironmentSettings>;

  /**
   * Creates a simulated compute environment (only with a store for created ones; absent otherwise, so the
   * API does not offer creation).
   */
  readonly create?: (definition: SimulatedEnvironment) => Promise<boolean>;

  constructor(redis: Redis, keys: Keys, created?: CreatedComputeEnvironments) {
    if (created) this.create = (definition) => this.createIn(created, definition);
    this.settings = new StoredDefinitions(redis, keys.computeEnvironmentSettings, (value) => {
      const parsed = ComputeEnvironmentSettingsSchema.safeParse(value);
      return parsed.success ? parsed.data : undefined;
    });
  }

  /** Creates the configured environments' settings Redis lacks; returns the names whose stored ones differ. */
  seed(
    configured: readonly {
      name: string;
      state: 'ENABLED' | 'DISABLED';
      maxNodes?: number;
      minNodes?: number;
    }[],
  ): Promise<string[]> {
    return this.settings.seed(
      configured.map(({ name, state, maxNodes, minNodes }) => ({
        name,
        state,
        ...(maxNodes === undefined ? {} : { maxNodes }),
        ...(minNodes === undefined ? {} : { minNodes }),
      })),
    );
  }

  refresh(): Promise<boolean> {
    return this.settings.refresh();
  }

  onChange(listener: () => void): void {
    this.settings.onChange(listener);
  }

  /** From the local copy: the leader reads it every cycle. */
  current(name: string): ComputeEnvironmentSettings | undefined {
    return this.settings.cached(name);
  }

  list(): Promise<ComputeEnvironmentSettings[]> {
    return this.settings.list();
  }

  get(name: string): Promise<ComputeEnvironmentSettings | undefined> {
    return this.settings.get(name);
  }

  /**
   * Every environment, configured or created, has settings (seeded at start, or here): a name with
   * settings is taken. The definition is written first, so the leader never sees settings without one.
   */
  private async createIn(
    created: CreatedComputeEnvironments,
    definition: SimulatedEnvironment,
  ): Promise<boolean> {
    if (await this.settings.get(definition.name)) return false;
    if (!(await created.create(definition))) return false;
    await this.seed([definition]);
    return true;
  }

  update(name: string, patch: ComputeEnvironmentPatch): Promise<ComputeEnvironmentSettings | undefined> {
    return this.settings.update(name, patch);
  }
}
