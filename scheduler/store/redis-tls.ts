// TLS for a `rediss://` REDIS_URL: ioredis turns TLS on from the scheme; a Redis whose certificate is
// signed by a private CA also needs that CA, named by GPUBATCH_REDIS_CA_FILE (a PEM file).
import { readFileSync } from 'node:fs';
import type { RedisOptions } from 'ioredis';
import { RedisConfigError } from './errors.ts';

export const REDIS_CA_FILE_ENV = 'GPUBATCH_REDIS_CA_FILE';

const caCache = new Map<string, Buffer>();

/** The connection options every client of `url` needs beyond the URL itself (read once per CA file). */
export function redisTlsOptions(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): Pick<RedisOptions, 'tls'> {
  if (!/^rediss:\/\//i.test(url)) return {};
  const caFile = env[REDIS_CA_FILE_ENV];
  if (!caFile) return { tls: {} };
  let ca = caCache.get(caFile);
  if (!ca) {
    try {
      ca = readFileSync(caFile);
    } catch (error) {
      throw new RedisConfigError(`${REDIS_CA_FILE_ENV}: cannot read ${caFile}: ${(error as Error).message}`);
    }
    caCache.set(caFile, ca);
  }
  return { tls: { ca } };
}
