// Compute environments' run-time settings (state, maxNodes) in Redis, seeded from the config when absent;
// after that the stored ones apply, as for job queues. The rest of a compute environment (type, selector,
// image, credentials) is configuration: its executor is built at start.
import type { Redis } from 'ioredis';
import type {
  ComputeEnvironmentCatalog,
  ComputeEnvironmentPatch,
} from '../../api/compute-environment-catalog.ts';
import { type ComputeEnvironmentSettings, ComputeEnvironmentSettingsSchema } from '../config.ts';
import type { Keys } from './keys.ts';
import { StoredDefinitions } from './stored-definitions.ts';

export class ComputeEnvironmentSettingsStore implements ComputeEnvironmentCatalog {
  private readonly settings: StoredDefinitions<ComputeEnvironmentSettings>;

  constructor(redis: Redis, keys: Keys) {
    this.settings = new StoredDefinitions(redis, keys.computeEnvironmentSettings, (value) => {
      const parsed = ComputeEnvironmentSettingsSchema.safeParse(value);
      return parsed.success ? parsed.data : undefined;
    });
  }

  /** Creates the configured environments' settings Redis lacks; returns the names whose stored ones differ. */
  seed(
    configured: readonly { name: string; state: 'ENABLED' | 'DISABLED'; maxNodes?: number }[],
  ): Promise<string[]> {
    return this.settings.seed(
      configured.map(({ name, state, maxNodes }) => ({
        name,
        state,
        ...(maxNodes === undefined ? {} : { maxNodes }),
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

  update(name: string, patch: ComputeEnvironmentPatch): Promise<ComputeEnvironmentSettings | undefined> {
    return this.settings.update(name, patch);
  }
}
