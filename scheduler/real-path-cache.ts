// Real paths (symlinks resolved) of directories, kept for a few seconds, for the submit-time data-root check.
// Resolving every path of every submission from scratch (a realpath is an lstat per path component, and a
// path not there yet fails its way up to an existing ancestor) was a tenth of the service's CPU under load.
// A job's own file is still looked at each time (one lstat: is it a symlink?); its directory and the data
// roots come from here. The runner checks everything again on fresh real paths just before it opens files
// (runner/data-roots.ts), so a directory swapped for a symlink inside the time to live is still refused.
import { lstat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { deepestRealPath } from '../runner/data-roots.ts';

/** A directory moved elsewhere (its symlink changed) is seen within this time. */
export const REAL_PATH_TTL_MS = 5_000;

/** Directories kept at most; the oldest entry goes first. */
const DEFAULT_MAX_ENTRIES = 4096;

export class RealPathCache {
  private readonly entries = new Map<string, { real: Promise<string>; until: number }>();
  private readonly now: () => number;
  private readonly resolve: (path: string) => Promise<string>;
  private readonly maxEntries: number;

  constructor(options: {
    now: () => number;
    resolve?: (path: string) => Promise<string>;
    maxEntries?: number;
  }) {
    this.now = options.now;
    this.resolve = options.resolve ?? deepestRealPath;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  /** The real path of a directory (or of a data root), at most REAL_PATH_TTL_MS old. */
  directory(path: string): Promise<string> {
    const at = this.now();
    const cached = this.entries.get(path);
    if (cached && cached.until > at) return cached.real;
    this.entries.delete(path);
    const real = this.resolve(path);
    this.entries.set(path, { real, until: at + REAL_PATH_TTL_MS });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    // A failed resolution is not kept: the next submission tries again.
    real.catch(() => this.entries.delete(path));
    return real;
  }

  /**
   * The real path of a file a job names: its directory's from the cache, joined with its name unless the
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
