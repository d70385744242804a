// FakeJobDefinitions: an in-memory test double of api/job-definitions/registry.ts (the real one is in Redis).
import type { JobDefinitionPage, JobDefinitionRegistry } from '../../api/job-definitions/registry.ts';
import type {
  JobDefinition,
  JobDefinitionRecord,
  ListJobDefinitionsQuery,
} from '../../api/schemas/job-definition.ts';

export class FakeJobDefinitions implements JobDefinitionRegistry {
  /** In registration order. */
  readonly #records: JobDefinitionRecord[] = [];
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async register(definition: JobDefinition): Promise<JobDefinitionRecord> {
    const revision = this.#records.filter((r) => r.name === definition.name).length + 1;
    const record: JobDefinitionRecord = {
      ...structuredClone(definition),
      registeredAt: this.#now(),
      jobDefinition: `${definition.name}:${revision}`,
      revision,
      status: 'ACTIVE',
    };
    this.#records.push(record);
    return structuredClone(record);
  }

  async get(name: string, revision: number): Promise<JobDefinitionRecord | undefined> {
    const found = this.#records.find((r) => r.name === name && r.revision === revision);
    return found && structuredClone(found);
  }

  async latestActive(name: string): Promise<JobDefinitionRecord | undefined> {
    const active = this.#records.filter((r) => r.name === name && r.status === 'ACTIVE');
    const latest = active.sort((a, b) => b.revision - a.revision)[0];
    return latest && structuredClone(latest);
  }

  /** Newest first; the cursor is an offset (opaque to clients). */
  async list(query: ListJobDefinitionsQuery): Promise<JobDefinitionPage> {
    const matching = this.#records
      .filter((r) => query.name === undefined || r.name === query.name)
      .filter((r) => query.status === undefined || r.status === query.status)
      .reverse();
    const offset = query.cursor === undefined ? 0 : Number(Buffer.from(query.cursor, 'base64url').toString());
    const end = offset + query.limit;
    const jobDefinitions = matching.slice(offset, end).map((r) => structuredClone(r));
    return end < matching.length
      ? { jobDefinitions, nextCursor: Buffer.from(String(end)).toString('base64url') }
      : { jobDefinitions };
  }

  async deregister(name: string, revision: number): Promise<JobDefinitionRecord | undefined> {
    const found = this.#records.find((r) => r.name === name && r.revision === revision);
    if (!found) return undefined;
    if (found.status === 'ACTIVE') Object.assign(found, { status: 'INACTIVE', deregisteredAt: this.#now() });
    return structuredClone(found);
  }
}
