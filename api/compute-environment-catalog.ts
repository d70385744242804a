// What the API needs to change compute environments at run time (state, maxNodes); the real one is
// scheduler/store/compute-environment-settings.ts. Everything else about them is configuration.
import type { ComputeEnvironmentSettings, SimulatedEnvironment } from '../scheduler/config.ts';

export type ComputeEnvironmentSettingsView = ComputeEnvironmentSettings;

/** `null` removes maxNodes / minNodes. */
export interface ComputeEnvironmentPatch {
  state?: 'ENABLED' | 'DISABLED';
  maxNodes?: number | null;
  minNodes?: number | null;
}

export interface ComputeEnvironmentCatalog {
  get(name: string): Promise<ComputeEnvironmentSettings | undefined>;
  /** The settings as changed; undefined for an unknown name. */
  update(name: string, patch: ComputeEnvironmentPatch): Promise<ComputeEnvironmentSettings | undefined>;
  /**
   * Creates a compute environment while the service runs (only `simulated`: the others need an executor
   * set up at start); false when one of that name exists. Absent: creation is not offered.
   */
  create?(definition: SimulatedEnvironment): Promise<boolean>;
}
