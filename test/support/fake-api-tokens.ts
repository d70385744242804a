// FakeApiTokens: an in-memory test double of api/api-tokens.ts's registry (the real one is in Redis,
// scheduler/store/api-tokens.ts). Like the real one it keeps only each token's SHA-256.
import {
  type ApiTokenRecord,
  type ApiTokenRegistry,
  type CreatedApiToken,
  type NewApiToken,
  newToken,
  newTokenId,
  tokenHash,
} from '../../api/api-tokens.ts';
import type { Principal, Role } from '../../api/principal.ts';

export class FakeApiTokens implements ApiTokenRegistry {
  readonly #records = new Map<string, ApiTokenRecord>();
  readonly #byHash = new Map<string, string>();

  async create(request: NewApiToken): Promise<CreatedApiToken> {
    const id = newTokenId();
    const token = newToken(id);
    const record: ApiTokenRecord = {
      id,
      name: request.name ?? '',
      role: request.role,
      tenant: request.tenant,
      createdAt: Date.now(),
    };
    this.#records.set(id, record);
    this.#byHash.set(tokenHash(token), id);
    return { ...record, token };
  }

  /** A new token's string, for tests that only need to call as some role and tenant. */
  async tokenFor(role: Role, tenant = 'default'): Promise<string> {
    return (await this.create({ role, tenant, name: `test ${role}` })).token;
  }

  async list(): Promise<ApiTokenRecord[]> {
    return [...this.#records.values()].map((record) => ({ ...record }));
  }

  async revoke(id: string): Promise<ApiTokenRecord | undefined> {
    const record = this.#records.get(id);
    if (!record) return undefined;
    record.revokedAt ??= Date.now();
    return { ...record };
  }

  async verify(token: string): Promise<Principal | undefined> {
    const id = this.#byHash.get(tokenHash(token));
    const record = id === undefined ? undefined : this.#records.get(id);
    if (!record || record.revokedAt !== undefined) return undefined;
    return { id: record.id, role: record.role, tenant: record.tenant };
  }
}
