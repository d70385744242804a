// Rows that repeat an earlier row bit for bit (so a NaN equals a NaN with the same bits, and -0 differs
// from 0). Rows are bucketed by a hash of their bits and compared only within a bucket.

export function countDuplicateRows(data: Float32Array, cols: number): number {
  if (cols === 0) return 0;
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const rows = data.length / cols;
  const buckets = new Map<number, number[]>();
  let duplicates = 0;
  for (let r = 0; r < rows; r++) {
    const hash = rowHash(bits, r * cols, cols);
    const earlier = buckets.get(hash);
    if (!earlier) {
      buckets.set(hash, [r]);
    } else if (earlier.some((other) => sameBits(bits, other * cols, r * cols, cols))) {
      duplicates++;
    } else {
      earlier.push(r);
    }
  }
  return duplicates;
}

/** FNV-1a over the row's 32-bit words. */
function rowHash(bits: Uint32Array, start: number, cols: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < start + cols; i++) hash = Math.imul(hash ^ bits[i]!, 0x01000193);
  return hash >>> 0;
}

function sameBits(bits: Uint32Array, a: number, b: number, cols: number): boolean {
  for (let i = 0; i < cols; i++) if (bits[a + i] !== bits[b + i]) return false;
  return true;
}
