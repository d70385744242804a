// Access keys for the AWS-Batch-compatible endpoint, one Redis hash per key id.
// SigV4 is an HMAC keyed by the secret, so the server must hold the secret itself (a hash of it cannot
// verify a signature): it is stored as-is in Redis, as AWS does, and never logged or returned again.
import { randomBytes } from 'node:crypto';
import type { AccessKeyRegistry, AccessKeyRole } from '../../api/aws/context.ts';
import { PrefixedStore } from './prefixed-store.ts';
import { runScript } from './run-script.ts';

/**
 * Store a new key unless its id is taken (so a collision can never overwrite another tenant's secret).
 * KEYS: accessKey(id)   ARGV: secret, tenant, createdAt, role   Returns 1 when stored, 0 when the id exists.
 */
const CREATE_ACCESS_KEY = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'secret', ARGV[1], 'tenant', ARGV[2], 'createdAt', ARGV[3], 'role', ARGV[4])
return 1
`;

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  tenant: string;
  role: AccessKeyRole;
  createdAt: number;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** "GPBK" + 16 characters: the length and alphabet of an AWS key id, recognisably not one. */
function newAccessKeyId(): string {
  return `GPBK${[...randomBytes(16)].map((b) => ID_ALPHABET[b % 32]).join('')}`;
}

/** 40 characters, like an AWS secret: 30 random bytes in base64 (with "/" and "+"). */
function newSecret(): string {
  return randomBytes(30).toString('base64');
}

export class AccessKeyStore extends PrefixedStore implements AccessKeyRegistry {
  async create(tenant: string, role: AccessKeyRole = 'submitter'): Promise<AccessKey> {
    for (;;) {
      const key: AccessKey = {
        accessKeyId: newAccessKeyId(),
        secretAccessKey: newSecret(),
        tenant,
        role,
        createdAt: this.now(),
      };
      const stored = await runScript(
        this.redis,
        CREATE_ACCESS_KEY,
        [this.keys.accessKey(key.accessKeyId)],
        [key.secretAccessKey, tenant, String(key.createdAt), role],
      );
      // An id collision (1 in 2^80) draws a new one.
      if (Number(stored) === 0) continue;
      return key;
    }
  }

  /** Revokes a key at once (the next request signed with it is UnrecognizedClientException). */
  async delete(accessKeyId: string): Promise<boolean> {
    return (await this.redis.del(this.keys.accessKey(accessKeyId))) === 1;
  }

  async get(accessKeyId: string): Promise<AccessKey | undefined> {
    const [secret, tenant, createdAt, role] = await this.redis.hmget(
      this.keys.accessKey(accessKeyId),
      'secret',
      'tenant',
      'createdAt',
      'role',
    );
    if (!secret || !tenant) return undefined;
    // Keys made before roles existed are submitters.
    const keyRole: AccessKeyRole = role === 'admin' ? 'admin' : 'submitter';
    return { accessKeyId, secretAccessKey: secret, tenant, role: keyRole, createdAt: Number(createdAt) };
  }
}
