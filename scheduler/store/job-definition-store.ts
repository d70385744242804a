// Job definitions in Redis: revisions numbered atomically per name, deregistration, listing newest first.
import { ValidationError } from '../../api/errors.ts';
import type { JobDefinitionPage, JobDefinitionRegistry } from '../../api/job-definitions/registry.ts';
import type {
  JobDefinition,
  JobDefinitionRecord,
  JobDefinitionStatus,
  ListJobDefinitionsQuery,
} from '../../api/schemas/job-definition.ts';
import { DEREGISTER_JOB_DEFINITION, REGISTER_JOB_DEFINITION } from './lua.ts';
import { PrefixedStore } from './prefixed-store.ts';
import { runScript } from './run-script.ts';

/** The part of a record kept as JSON; revision, status and deregisteredAt are hash fields of their own. */
type StoredBody = JobDefinition & { registeredAt: number };

export class JobDefinitionStore extends PrefixedStore implements JobDefinitionRegistry {
  async register(definition: JobDefinition): Promise<JobDefinitionRecord> {
    const k = this.keys;
    const { name } = definition;
    const body: StoredBody = { ...definition, registeredAt: this.now() };
    const revision = Number(
      await runScript(
        this.redis,
        REGISTER_JOB_DEFINITION,
        [
          k.jobDefinitionRevision(name),
          k.jobDefinitionSeq,
          k.allJobDefinitions,
          k.jobDefinitionsByStatus('ACTIVE'),
          k.jobDefinitionsByName(name),
          k.activeJobDefinitionRevisions(name),
          k.jobDefinitionPrefix(name),
        ],
        [name, JSON.stringify(body)],
      ),
    );
    return toRecord(body, revision, 'ACTIVE');
  }

  async get(name: string, revision: number): Promise<JobDefinitionRecord | undefined> {
    const [json, status, deregisteredAt] = await this.redis.hmget(
      this.keys.jobDefinition(name, revision),
      'json',
      'status',
      'deregisteredAt',
    );
    if (!json || !status) return undefined;
    const at = deregisteredAt ? Number(deregisteredAt) : undefined;
    return toRecord(JSON.parse(json) as StoredBody, revision, status as JobDefinitionStatus, at);
  }

  async latestActive(name: string): Promise<JobDefinitionRecord | undefined> {
    const [revision] = await this.redis.zrevrange(this.keys.activeJobDefinitionRevisions(name), 0, 0);
    return revision === undefined ? undefined : this.get(name, Number(revision));
  }

  async deregister(name: string, revision: number): Promise<JobDefinitionRecord | undefined> {
    const k = this.keys;
    try {
      await runScript(
        this.redis,
        DEREGISTER_JOB_DEFINITION,
        [
          k.jobDefinition(name, revision),
          k.jobDefinitionsByStatus('ACTIVE'),
          k.jobDefinitionsByStatus('INACTIVE'),
          k.activeJobDefinitionRevisions(name),
        ],
        [`${name}:${revision}`, String(revision), String(this.now())],
      );
    } catch (error) {
      if (/\bNOT_FOUND\b/.test((error as Error).message)) return undefined;
      throw error;
    }
    return this.get(name, revision);
  }

  /** Newest registration first, through the narrowest index; a name and a status filter by status. */
  async list(query: ListJobDefinitionsQuery): Promise<JobDefinitionPage> {
    const k = this.keys;
    const index = query.name
      ? k.jobDefinitionsByName(query.name)
      : query.status
        ? k.jobDefinitionsByStatus(query.status)
        : k.allJobDefinitions;
    const filterStatus = query.name ? query.status : undefined;
    const found: JobDefinitionRecord[] = [];
    let max = query.cursor === undefined ? '+inf' : `(${decodeCursor(query.cursor)}`;
    const batch = Math.max(query.limit * 2, 50);
    for (;;) {
      const page = await this.redis.zrevrangebyscore(index, max, '-inf', 'WITHSCORES', 'LIMIT', 0, batch);
      for (let i = 0; i < page.length; i += 2) {
        const id = page[i]!;
        const seq = Number(page[i + 1]);
        max = `(${seq}`;
        const colon = id.lastIndexOf(':');
        const record = await this.get(id.slice(0, colon), Number(id.slice(colon + 1)));
        if (!record || (filterStatus && record.status !== filterStatus)) continue;
        found.push(record);
        if (found.length === query.limit) {
          const more = i + 2 < page.length || page.length === batch * 2;
          return more ? { jobDefinitions: found, nextCursor: encodeCursor(seq) } : { jobDefinitions: found };
        }
      }
      if (page.length < batch * 2) return { jobDefinitions: found };
    }
  }
}

function toRecord(
  body: StoredBody,
  revision: number,
  status: JobDefinitionStatus,
  deregisteredAt?: number,
): JobDefinitionRecord {
  return {
    ...body,
    jobDefinition: `${body.name}:${revision}`,
    revision,
    status,
    ...(deregisteredAt === undefined ? {} : { deregisteredAt }),
  };
}

function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) {
    throw new ValidationError('cursor: not a cursor from a previous page', [
      { field: 'cursor', message: 'not a cursor from a previous page' },
    ]);
  }
  return Number(match[1]);
}
