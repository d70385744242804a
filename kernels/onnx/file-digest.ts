// A file's content hash (sha256), recomputed only when the file may have changed: any write changes its
// ctime, which no user can set back (utimes sets mtime, and ctime to now), so the same inode, size, mtime
// and ctime mean the same bytes.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export interface FileDigest {
  /** sha256 of the content, hex. */
  sha256: string;
  size: number;
  /** Whether the hash was computed now (false: the file is unchanged since it last was). */
  computed: boolean;
}

/** Keyed by path; holds the stat identity the hash was computed for. */
const known = new Map<string, { identity: string; sha256: string }>();

export async function fileDigest(path: string): Promise<FileDigest> {
  const info = await stat(path, { bigint: true });
  const identity = [info.dev, info.ino, info.size, info.mtimeNs, info.ctimeNs].join(':');
  const size = Number(info.size);
  const cached = known.get(path);
  if (cached?.identity === identity) return { sha256: cached.sha256, size, computed: false };
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const sha256 = hash.digest('hex');
  // The file may have changed while it was read: keep the hash only if the identity still holds.
  const after = await stat(path, { bigint: true });
  if ([after.dev, after.ino, after.size, after.mtimeNs, after.ctimeNs].join(':') === identity) {
    known.set(path, { identity, sha256 });
  }
  return { sha256, size, computed: true };
}
