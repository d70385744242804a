// Submit-time real paths: existing directories and roots come from a cache for REAL_PATH_TTL_MS; a
// directory not there yet and a job's own file are looked at every time, so a symlink made in their place
// is always followed.
import { mkdir, realpath, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { deepestRealPath } from '../../runner/data-roots.ts';
import { REAL_PATH_TTL_MS, RealPathCache } from '../../scheduler/real-path-cache.ts';
import { temporaryDirectory } from '../support/npy-fixtures.ts';

/** A cache that counts the directories it resolved, with a clock the test moves. */
async function cacheIn(t: Parameters<typeof temporaryDirectory>[0]) {
  const base = await deepestRealPath(await temporaryDirectory(t));
  let now = 1_000;
  const resolved: string[] = [];
  const cache = new RealPathCache({
    now: () => now,
    resolve: async (path) => {
      resolved.push(path);
      return realpath(path).catch(() => undefined);
    },
  });
  return { base, cache, resolved, advance: (ms: number) => (now += ms) };
}

test('files in one existing directory share one resolution of it', async (t) => {
  const { base, cache, resolved } = await cacheIn(t);
  await writeFile(join(base, 'a.npy'), '');
  t.is(await cache.file(join(base, 'a.npy')), join(base, 'a.npy'));
  t.is(await cache.file(join(base, 'not-yet.npy')), join(base, 'not-yet.npy'));
  t.deepEqual(resolved, [base]);
});

test('a directory not there yet is resolved every time: a symlink made in its place counts at once', async (t) => {
  const { base, cache, resolved } = await cacheIn(t);
  await mkdir(join(base, 'outside'));
  t.is(await cache.file(join(base, 'x', 'out.npy')), join(base, 'x', 'out.npy'));
  await symlink(join(base, 'outside'), join(base, 'x'));
  t.is(await cache.file(join(base, 'x', 'data.npy')), join(base, 'outside', 'data.npy'));
  t.deepEqual(resolved, [join(base, 'x'), join(base, 'x')]);
});

test('a file that is a symlink is followed every time, dangling or not', async (t) => {
  const { base, cache } = await cacheIn(t);
  await mkdir(join(base, 'elsewhere'));
  await symlink(join(base, 'elsewhere', 'target.npy'), join(base, 'link.npy'));
  t.is(await cache.file(join(base, 'link.npy')), join(base, 'elsewhere', 'target.npy'));
  await writeFile(join(base, 'late.npy'), '');
  t.is(await cache.file(join(base, 'late.npy')), join(base, 'late.npy'));
  // The same name turned into a link inside the time to live is seen at once.
  await rename(join(base, 'late.npy'), join(base, 'late-moved.npy'));
  await symlink(join(base, 'elsewhere', 'x.npy'), join(base, 'late.npy'));
  t.is(await cache.file(join(base, 'late.npy')), join(base, 'elsewhere', 'x.npy'));
});

test('an existing directory swapped for a symlink is seen once the time to live has passed', async (t) => {
  const { base, cache, advance } = await cacheIn(t);
  await mkdir(join(base, 'data'));
  await mkdir(join(base, 'outside'));
  const file = join(base, 'data', 'm.npy');
  t.is(await cache.file(file), file);
  await rename(join(base, 'data'), join(base, 'data-old'));
  await symlink(join(base, 'outside'), join(base, 'data'));
  advance(REAL_PATH_TTL_MS - 1);
  t.is(await cache.file(file), file, 'still the cached directory');
  advance(1);
  t.is(await cache.file(file), join(base, 'outside', 'm.npy'));
});

test('a root that could not be resolved is tried again on the next call', async (t) => {
  let fail = true;
  const resolved: string[] = [];
  const cache = new RealPathCache({
    now: () => 0,
    resolve: async (path) => {
      resolved.push(path);
      if (fail) throw new Error(`EACCES: ${path}`);
      return '/mnt/data';
    },
  });
  await t.throwsAsync(cache.directory('/data'), { message: /EACCES/ });
  fail = false;
  t.is(await cache.directory('/data'), '/mnt/data');
  t.deepEqual(resolved, ['/data', '/data']);
});
