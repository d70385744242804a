// Real paths (symlinks resolved) of existing directories, kept for a few seconds, for the submit-time
// data-root check. Resolving every path of every submission from scratch (a realpath is an lstat per path
// component, and a path not there yet fails its way up to an existing ancestor) was a tenth of the
// service's CPU under load. Only directories that exist are kept: one not there yet is resolved again each
// time, since whatever is created in its place (a symlink) must count at once. A job's own output file is
// looked at each time (one lstat: is it a symlink?). The runner checks everything again on fresh real
// paths just before it opens files (runner/data-roots.ts), so an existing directory swapped for a symlink
// inside the time to live is still refused there.
import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { deepestRealPath } from '../runner/data-roots.ts';

/** An existing directory moved elsewhere (its symlink changed) is seen within this time. */
export const REAL_PATH_TTL_MS = 5_000;

/** Directories kept at most; the oldest entry goes first. */
const DEFAULT_MAX_ENTRIES = 4096;

/** The real path of an existing path; undefined when there is nothing there (or a parent is missing). */
async function existingRealPath(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

export class RealPathCache {
  private readonly entries = new Map<string, { real: string; until: number }>();
  private readonly now: () => number;
  private readonly resolve: (path: string) => Promise<string | undefined>;
  private readonly maxEntries: number;

  constructor(options: {
    now: () => number;
    /** The real path of an existing path, undefined when there is none (default: realpath). */
    resolve?: (path: string) => Promise<string | undefined>;
    maxEntries?: number;
  }) {
    this.now = options.now;
    this.resolve = options.resolve ?? existingRealPath;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  /** The real path of a directory (or of a data root): an existing one's at most REAL_PATH_TTL_MS old. */
  async directory(path: string): Promise<string> {
    const cached = this.entries.get(path);
    if (cached && cached.until > this.now()) return cached.real;
    this.entries.delete(path);
    const real = await this.resolve(path);
    if (real === undefined) return deepestRealPath(path);
    this.entries.set(path, { real, until: this.now() + REAL_PATH_TTL_MS });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return real;
  }

  /**
   * The real path of a file a job writes: its directory's from the cache, joined with its name unless the
   * name itself is a symbolic link (even a dangling one), which is resolved afresh.
   */
  async file(path: string): Promise<string> {
    const isLink = await lstat(path).then(
      (stats) => stats.isSymbolicLink(),
      (error: NodeJS.ErrnoException) => error.code !== 'ENOENT',
    );
    if (isLink) return deepestRealPath(path);
    return join(await this.directory(dirname(path)), basename(path));
  }
}
