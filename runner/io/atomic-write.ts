// Outputs appear whole or not at all: write a temporary file beside the target, fsync, then rename over it.
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temporary files being written by this process, removed if the process exits mid-write. */
const unfinished = new Set<string>();
process.on('exit', () => {
  for (const path of unfinished) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone: nothing to clean.
    }
  }
});

/** The temporary name starts with a dot and ends in .tmp so listings and globs of outputs skip it. */
export function temporaryPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes the chunks to `target` atomically; creates missing parent directories. */
export async function writeFileAtomic(target: string, chunks: Iterable<Uint8Array>): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const temporary = temporaryPathFor(target);
  unfinished.add(temporary);
  try {
    const handle = await open(temporary, 'wx');
    try {
      for (const chunk of chunks) await handle.write(chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
    unfinished.delete(temporary);
    await syncDirectory(dirname(target));
  } catch (error) {
    unfinished.delete(temporary);
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

/** Makes the rename itself durable; some platforms cannot open a directory, which only costs durability. */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort.
  }
}
