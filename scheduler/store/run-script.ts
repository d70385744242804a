// Runs a Lua script by its SHA1 (EVALSHA), sending the source only when Redis does not know it yet
// (first use, or after a restart or SCRIPT FLUSH): hot paths then send a 40-byte hash, not the script.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

const shas = new Map<string, string>();

export async function runScript(
  redis: Redis,
  script: string,
  keys: string[],
  args: string[],
): Promise<unknown> {
  let sha = shas.get(script);
  if (!sha) {
    sha = createHash('sha1').update(script).digest('hex');
    shas.set(script, sha);
  }
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!/NOSCRIPT/.test((error as Error).message)) throw error;
    return redis.eval(script, keys.length, ...keys, ...args);
  }
}

/**
 * For pipelines of EVALSHA (bulk loaders): a function that SCRIPT LOADs each script once on `redis` and
 * answers its SHA1, so every later call in a pipeline can name it.
 */
export function scriptLoader(redis: Redis): (script: string) => Promise<string> {
  const loaded = new Map<string, string>();
  return async (script) => {
    let sha = loaded.get(script);
    if (!sha) {
      sha = (await redis.script('LOAD', script)) as string;
      loaded.set(script, sha);
    }
    return sha;
  };
}
