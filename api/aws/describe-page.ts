// The request shape and paging of the Describe operations over short lists (job queues, compute
// environments).
import { z } from 'zod';
import { ClientException } from './errors.ts';

export const DescribeSchema = (listField: string) =>
  z.strictObject({
    [listField]: z.array(z.string().min(1)).max(100).optional(),
    maxResults: z.int().min(1).max(100).optional(),
    nextToken: z.string().optional(),
  });

/** Queue and environment lists are short: one page, unless maxResults cuts it (nextToken is then the next offset). */
export function page<T>(items: T[], maxResults: number | undefined, nextToken: unknown) {
  const start = nextToken === undefined ? 0 : Number(nextToken);
  if (!Number.isInteger(start) || start < 0 || start > items.length)
    throw new ClientException('nextToken: not a token from a previous page');
  const end = Math.min(items.length, start + (maxResults ?? 100));
  return { items: items.slice(start, end), nextToken: end < items.length ? String(end) : undefined };
}
