// Access keys for the AWS-Batch-compatible endpoint, one Redis hash per key id.
// SigV4 is an HMAC keyed by the secret, so the server must hold the secret itself (a hash of it cannot
// verify a signature): it is stored as-is in Redis, as AWS does, and never logged or returned again.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { keys as buildKeys, type Keys } from './keys.ts';

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  tenant: string;
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

export class AccessKeyStore {
  readonly keys: Keys;
  private readonly redis: Redis;
  private readonly now: () => number;

  constructor(redis: Redis, options: { prefix?: string; now?: () => number } = {}) {
    this.redis = redis;
    this.keys = buildKeys(options.prefix);
    this.now = options.now ?? Date.now;
  }

  async create(tenant: string): Promise<AccessKey> {
    for (;;) {
      const key: AccessKey = {
        accessKeyId: newAccessKeyId(),
        secretAccessKey: newSecret(),
        tenant,
        createdAt: this.now(),
      };
      // HSETNX on the first field makes a (vanishingly unlikely) id collision retry instead of overwrite.
      const id = this.keys.accessKey(key.accessKeyId);
      if ((await this.redis.hsetnx(id, 'secret', key.secretAccessKey)) === 0) continue;
      await this.redis.hset(id, 'tenant', tenant, 'createdAt', String(key.createdAt));
      return key;
    }
  }

  async get(accessKeyId: string): Promise<AccessKey | undefined> {
    const [secret, tenant, createdAt] = await this.redis.hmget(
      this.keys.accessKey(accessKeyId),
      'secret',
      'tenant',
      'createdAt',
    );
    if (!secret || !tenant) return undefined;
    return { accessKeyId, secretAccessKey: secret, tenant, createdAt: Number(createdAt) };
  }
}
