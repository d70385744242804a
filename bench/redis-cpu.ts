// CPU a redis-server has spent so far (system + user, from INFO cpu): benches read it before and after a run.
import type { Redis } from 'ioredis';

export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field('used_cpu_sys') + field('used_cpu_user');
}
