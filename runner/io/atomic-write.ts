// Outputs appear whole or not at all: write a temporary file beside the target, fsync, then rename over it.
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { type FileHandle, mkdir, open, rename, unlink } from 'node:fs/promises';
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

/** An output written in parts as they are computed, visible under its name only once committed. */
export interface AtomicFile {
  /** Appends; with `position`, overwrites bytes already written (a header patched at the end). */
  write(chunk: Uint8Array, position?: number): Promise<void>;
  /** fsync, rename over the target, fsync the directory. */
  commit(): Promise<void>;
  /** Removes the temporary file; safe to call after a failed commit or twice. */
  abort(): Promise<void>;
}

/** Small appends are gathered up to this size: a write per tiny batch would cost a syscall each. */
const STAGING_BYTES = 1 << 20;

export async function createAtomicFile(target: string): Promise<AtomicFile> {
  await mkdir(dirname(target), { recursive: true });
  const temporary = temporaryPathFor(target);
  unfinished.add(temporary);
  const file = stagedFile(target, await open(temporary, 'wx'), 0);
  return {
    write: file.write,
    async commit() {
      await file.sync();
      await file.close();
      await rename(temporary, target);
      unfinished.delete(temporary);
      await syncDirectory(dirname(target));
    },
    async abort() {
      await file.close().catch(() => {});
      if (!unfinished.delete(temporary)) return;
      await unlink(temporary).catch(() => {});
    },
  };
}

/**
 * An output written across attempts: its bytes live in a work file with a fixed name (`workPath`), which
 * a checkpoint refers to, until the last attempt commits it to `target`.
 */
export interface ResumableFile extends AtomicFile {
  /** Writes out what is staged and fsyncs; resolves with the file's durable length. */
  sync(): Promise<number>;
  /** Closes the work file and leaves it for the next attempt (after an interrupt or a retryable failure). */
  leave(): Promise<void>;
}

/**
 * Opens the work file: fresh (truncated) without `resumeAt`, else cut back to the `resumeAt` bytes a
 * checkpoint vouches for (anything after them was written after that checkpoint and is redone).
 * Until its first sync() the work file is removed if the process exits: no checkpoint refers to it yet.
 */
export async function openResumableFile(
  target: string,
  workPath: string,
  resumeAt?: number,
): Promise<ResumableFile> {
  await mkdir(dirname(target), { recursive: true });
  const handle = await open(workPath, resumeAt === undefined ? 'w' : 'r+');
  if (resumeAt === undefined) unfinished.add(workPath);
  else await handle.truncate(resumeAt);
  const file = stagedFile(target, handle, resumeAt ?? 0);
  return {
    write: file.write,
    async sync() {
      const length = await file.sync();
      unfinished.delete(workPath);
      return length;
    },
    async commit() {
      await file.sync();
      await file.close();
      await rename(workPath, target);
      unfinished.delete(workPath);
      await syncDirectory(dirname(target));
    },
    async abort() {
      await file.close().catch(() => {});
      unfinished.delete(workPath);
      await unlink(workPath).catch(() => {});
    },
    async leave() {
      await file.close().catch(() => {});
    },
  };
}

/** Appends gathered in a staging buffer (positioned writes go straight through) on an open handle. */
function stagedFile(target: string, opened: FileHandle, length: number) {
  let handle: FileHandle | undefined = opened;
  const staging = Buffer.allocUnsafe(STAGING_BYTES);
  let staged = 0;
  /** The file's length once what is staged is written. */
  let end = length;
  const current = () => {
    if (!handle) throw new Error(`${target}: used after commit or abort`);
    return handle;
  };
  const flush = async () => {
    if (staged === 0) return;
    const bytes = staged;
    staged = 0;
    await writeAll(current(), staging.subarray(0, bytes), end - bytes);
  };
  return {
    async write(chunk: Uint8Array, position?: number) {
      current();
      if (position !== undefined || chunk.byteLength > STAGING_BYTES - staged) await flush();
      if (position === undefined && chunk.byteLength <= STAGING_BYTES) {
        staging.set(chunk, staged);
        staged += chunk.byteLength;
        end += chunk.byteLength;
        return;
      }
      const at = position ?? end;
      await writeAll(current(), chunk, at);
      end = Math.max(end, at + chunk.byteLength);
    },
    async sync(): Promise<number> {
      await flush();
      await current().sync();
      return end;
    },
    async close() {
      staged = 0;
      const open = handle;
      handle = undefined;
      await open?.close();
    },
  };
}

async function writeAll(handle: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < chunk.byteLength) {
    const { bytesWritten } = await handle.write(
      chunk,
      written,
      chunk.byteLength - written,
      position + written,
    );
    written += bytesWritten;
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
