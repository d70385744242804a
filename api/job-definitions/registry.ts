// What the API needs to keep job definitions; the real one is scheduler/store/job-definition-store.ts.
import type {
  JobDefinition,
  JobDefinitionRecord,
  ListJobDefinitionsQuery,
} from '../schemas/job-definition.ts';

export interface JobDefinitionPage {
  jobDefinitions: JobDefinitionRecord[];
  /** Absent on the last page. */
  nextCursor?: string;
}

export interface JobDefinitionRegistry {
  /** Stores the next revision of `definition.name` (1 for a new name), ACTIVE. */
  register(definition: JobDefinition): Promise<JobDefinitionRecord>;
  get(name: string, revision: number): Promise<JobDefinitionRecord | undefined>;
  /** The highest ACTIVE revision of `name`. */
  latestActive(name: string): Promise<JobDefinitionRecord | undefined>;
  /** Newest registration first. */
  list(query: ListJobDefinitionsQuery): Promise<JobDefinitionPage>;
  /** Marks the revision INACTIVE (again: no change); undefined when there is no such revision. */
  deregister(name: string, revision: number): Promise<JobDefinitionRecord | undefined>;
}
