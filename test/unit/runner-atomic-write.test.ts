import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { writeFileAtomic } from '../../runner/io/atomic-write.ts';
import { temporaryDirectory } from '../support/npy-fixtures.ts';

test('the target gets all chunks, and missing parent directories are created', async (t) => {
  const directory = await temporaryDirectory(t);
  const target = join(directory, 'a', 'b', 'out.bin');
  await writeFileAtomic(target, [Buffer.from('hello '), Buffer.from('world')]);
  t.is(await readFile(target, 'utf8'), 'hello world');
  t.deepEqual(await readdir(join(directory, 'a', 'b')), ['out.bin']);
});

test('a write that fails midway leaves the previous file untouched and no temporary file', async (t) => {
  const directory = await temporaryDirectory(t);
  const target = join(directory, 'out.bin');
  await writeFile(target, 'previous');
  function* failingChunks() {
    yield Buffer.from('partial');
    throw new Error('disk on fire');
  }
  await t.throwsAsync(() => writeFileAtomic(target, failingChunks()), { message: 'disk on fire' });
  t.is(await readFile(target, 'utf8'), 'previous');
  t.deepEqual(await readdir(directory), ['out.bin']);
});
