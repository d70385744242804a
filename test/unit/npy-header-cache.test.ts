// Submissions naming the same input share one read of its .npy header, until the file changes.
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { createMatrix } from '../../kernels/matrix.ts';
import { inspectNpy, writeNpy } from '../../runner/io/npy.ts';
import { NpyHeaderCache } from '../../runner/io/npy-header-cache.ts';
import { npyBytes, temporaryDirectory } from '../support/npy-fixtures.ts';

/** A cache that counts the headers it had to read from disk. */
function countingCache(maxEntries?: number) {
  const reads: string[] = [];
  const cache = new NpyHeaderCache({
    ...(maxEntries ? { maxEntries } : {}),
    inspect: (path) => {
      reads.push(path);
      return inspectNpy(path);
    },
  });
  return { cache, reads };
}

test('the same unchanged file is read once', async (t) => {
  const dir = await temporaryDirectory(t);
  const path = join(dir, 'm.npy');
  await writeNpy(path, createMatrix(10, 4));
  const { cache, reads } = countingCache();
  for (let i = 0; i < 5; i++) t.is((await cache.header(path, await stat(path))).cols, 4);
  t.is(reads.length, 1);
});

test('a file rewritten with another shape is read again', async (t) => {
  const dir = await temporaryDirectory(t);
  const path = join(dir, 'm.npy');
  await writeNpy(path, createMatrix(10, 4));
  const { cache, reads } = countingCache();
  t.is((await cache.header(path, await stat(path))).cols, 4);
  await writeNpy(path, createMatrix(10, 6));
  t.is((await cache.header(path, await stat(path))).cols, 6);
  t.is(reads.length, 2);
});

test('a broken header is never kept: fixing the file is seen at once', async (t) => {
  const dir = await temporaryDirectory(t);
  const path = join(dir, 'm.npy');
  await writeFile(path, npyBytes({ truncateBy: 8 }));
  const { cache } = countingCache();
  await t.throwsAsync(cache.header(path, await stat(path)), { message: /truncated|bytes/ });
  t.is(cache.size, 0);
  await writeNpy(path, createMatrix(3, 2));
  t.is((await cache.header(path, await stat(path))).rows, 3);
});

test('the least recently used header goes first when the cache is full', async (t) => {
  const dir = await temporaryDirectory(t);
  const paths = ['a', 'b', 'c'].map((name) => join(dir, `${name}.npy`));
  for (const path of paths) await writeNpy(path, createMatrix(2, 2));
  const { cache, reads } = countingCache(2);
  const [a, b, c] = paths as [string, string, string];
  await cache.header(a, await stat(a));
  await cache.header(b, await stat(b));
  await cache.header(a, await stat(a)); // a is now the most recent
  await cache.header(c, await stat(c)); // b goes
  t.is(cache.size, 2);
  await cache.header(a, await stat(a));
  t.deepEqual(reads, [a, b, c]);
  await cache.header(b, await stat(b));
  t.deepEqual(reads, [a, b, c, b]);
});
