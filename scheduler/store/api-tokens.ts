// Bearer API tokens in Redis: a hash per token holding its SHA-256 (never the token), its role and tenant,
// plus a hash -> id index for verification. Every change is one Lua script. Verification reads Redis on
// every request (one EVALSHA), so a revoke takes effect at once in every API process.
import {
  type ApiTokenRecord,
  type ApiTokenRegistry,
  type CreatedApiToken,
  type NewApiToken,
  newToken,
  newTokenId,
  tokenHash,
} from '../../api/api-tokens.ts';
import { type Principal, ROLES, type Role } from '../../api/principal.ts';
import { PrefixedStore } from './prefixed-store.ts';
import { runScript } from './run-script.ts';

/**
 * KEYS: apiToken(id), apiTokenHashes, apiTokenIds, apiAdminTokens
 * ARGV: id, hash, name, role, tenant, createdAt, onlyIfNoAdmin ("1"/"0")
 * Returns 1 stored, 0 an admin token exists (onlyIfNoAdmin), -1 the id is taken, -2 the token is stored already.
 */
const CREATE_TOKEN = `
if ARGV[7] == '1' and redis.call('SCARD', KEYS[4]) > 0 then return 0 end
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return -2 end
redis.call('HSET', KEYS[1], 'hash', ARGV[2], 'name', ARGV[3], 'role', ARGV[4], 'tenant', ARGV[5], 'createdAt', ARGV[6])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1])
if ARGV[4] == 'admin' then redis.call('SADD', KEYS[4], ARGV[1]) end
return 1
`;

/**
 * KEYS: apiTokenHashes   ARGV: hash, apiTokenPrefix
 * Returns [id, role, tenant, revokedAt or false] or nil for an unknown token.
 */
const VERIFY_TOKEN = `
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then return nil end
local fields = redis.call('HMGET', ARGV[2] .. id, 'role', 'tenant', 'revokedAt')
return { id, fields[1], fields[2], fields[3] }
`;

/**
 * KEYS: apiToken(id), apiAdminTokens   ARGV: id, now
 * Returns 1 revoked now, 2 revoked before, 0 unknown id.
 */
const REVOKE_TOKEN = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'revokedAt') == 1 then return 2 end
redis.call('HSET', KEYS[1], 'revokedAt', ARGV[2])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`;

/** What ensure() found or did for a token given from outside (GPUBATCH_ADMIN_TOKEN). */
export type EnsureOutcome = 'created' | 'exists' | 'revoked';

const isRole = (value: unknown): value is Role => ROLES.includes(value as Role);

export class ApiTokenStore extends PrefixedStore implements ApiTokenRegistry {
  async create(request: NewApiToken): Promise<CreatedApiToken> {
    const created = await this.store(request, false);
    if (!created) throw new Error('unreachable: create without onlyIfNoAdmin always stores');
    return created;
  }

  /** First start: a new admin token, unless some admin token (not revoked) exists already. Atomic. */
  async createFirstAdmin(tenant: string, name: string): Promise<CreatedApiToken | undefined> {
    return this.store({ role: 'admin', tenant, name }, true);
  }

  /**
   * Stores a token chosen outside (GPUBATCH_ADMIN_TOKEN) if it is not stored yet. A revoked one stays
   * revoked: revoking is the admin's decision, a restart must not undo it.
   */
  async ensure(token: string, request: NewApiToken): Promise<EnsureOutcome> {
    const hash = tokenHash(token);
    for (;;) {
      const id = newTokenId();
      const stored = Number(
        await runScript(
          this.redis,
          CREATE_TOKEN,
          this.createKeys(id),
          this.createArgs(id, hash, request, false),
        ),
      );
      if (stored === -1) continue;
      if (stored === 1) return 'created';
      const found = await this.verifyHash(hash);
      return found ? 'exists' : 'revoked';
    }
  }

  async list(): Promise<ApiTokenRecord[]> {
    const ids = await this.redis.zrange(this.keys.apiTokenIds, '0', '-1');
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.apiToken(id));
    const results = (await pipeline.exec()) ?? [];
    return ids.flatMap((id, i) => {
      const fields = results[i]?.[1] as Record<string, string> | undefined;
      return fields && isRole(fields['role']) ? [recordOf(id, fields)] : [];
    });
  }

  async revoke(id: string): Promise<ApiTokenRecord | undefined> {
    const outcome = Number(
      await runScript(
        this.redis,
        REVOKE_TOKEN,
        [this.keys.apiToken(id), this.keys.apiAdminTokens],
        [id, String(this.now())],
      ),
    );
    if (outcome === 0) return undefined;
    const fields = await this.redis.hgetall(this.keys.apiToken(id));
    return recordOf(id, fields);
  }

  async verify(token: string): Promise<Principal | undefined> {
    return this.verifyHash(tokenHash(token));
  }

  private async verifyHash(hash: string): Promise<Principal | undefined> {
    const found = (await runScript(
      this.redis,
      VERIFY_TOKEN,
      [this.keys.apiTokenHashes],
      [hash, this.keys.apiTokenPrefix],
    )) as [string, string | null, string | null, string | null] | null;
    if (!found) return undefined;
    const [id, role, tenant, revokedAt] = found;
    if (revokedAt || !isRole(role) || !tenant) return undefined;
    return { id, role, tenant };
  }

  private async store(request: NewApiToken, onlyIfNoAdmin: boolean): Promise<CreatedApiToken | undefined> {
    for (;;) {
      const id = newTokenId();
      const token = newToken(id);
      const createdAt = this.now();
      const stored = Number(
        await runScript(
          this.redis,
          CREATE_TOKEN,
          this.createKeys(id),
          this.createArgs(id, tokenHash(token), request, onlyIfNoAdmin, createdAt),
        ),
      );
      if (stored === 0) return undefined;
      // An id collision (1 in 2^64) or a hash collision draws a new token.
      if (stored < 0) continue;
      return { id, name: request.name ?? '', role: request.role, tenant: request.tenant, createdAt, token };
    }
  }

  private createKeys(id: string): string[] {
    const k = this.keys;
    return [k.apiToken(id), k.apiTokenHashes, k.apiTokenIds, k.apiAdminTokens];
  }

  private createArgs(
    id: string,
    hash: string,
    request: NewApiToken,
    onlyIfNoAdmin: boolean,
    createdAt = this.now(),
  ): string[] {
    return [
      id,
      hash,
      request.name ?? '',
      request.role,
      request.tenant,
      String(createdAt),
      onlyIfNoAdmin ? '1' : '0',
    ];
  }
}

function recordOf(id: string, fields: Record<string, string>): ApiTokenRecord {
  return {
    id,
    name: fields['name'] ?? '',
    role: fields['role'] as Role,
    tenant: fields['tenant'] ?? '',
    createdAt: Number(fields['createdAt']),
    ...(fields['revokedAt'] ? { revokedAt: Number(fields['revokedAt']) } : {}),
  };
}
