// Submit-time preflights read the header of each job's .npy input, and a batch names the same input over
// and over: a header is kept while the file's identity and times are unchanged (one stat instead of an
// open, two reads and a close per submission). The runner reads the file itself, so this only ever saves a
// courtesy check, never decides what runs.
import type { Stats } from 'node:fs';
import { inspectNpy, type NpyHeader } from './npy.ts';

/** Headers kept at most (least recently used dropped first); a header is a few hundred bytes. */
const DEFAULT_MAX_ENTRIES = 1024;

interface Entry {
  header: NpyHeader;
  /**
   * dev, ino, size, mtime, ctime: any write or replacement changes at least one, except a same-size rewrite
   * within one tick of a file system with coarse times (some NFS, FAT); the runner reads the file anyway.
   */
  identity: string;
}

export class NpyHeaderCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly inspect: (path: string) => Promise<NpyHeader>;

  constructor(options: { maxEntries?: number; inspect?: (path: string) => Promise<NpyHeader> } = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.inspect = options.inspect ?? inspectNpy;
  }

  /** The header of the file at `path`, whose stat the caller has just taken. Throws what inspectNpy throws. */
  async header(path: string, stats: Stats): Promise<NpyHeader> {
    const identity = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
    const cached = this.entries.get(path);
    if (cached && cached.identity === identity) {
      // Most recently used last, so the oldest is first to go.
      this.entries.delete(path);
      this.entries.set(path, cached);
      return cached.header;
    }
    this.entries.delete(path);
    const header = await this.inspect(path);
    this.entries.set(path, { header, identity });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return header;
  }

  get size(): number {
    return this.entries.size;
  }
}
