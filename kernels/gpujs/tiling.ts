// How big one kernel call's buffers may be. WebGPU guarantees storage buffers of 128 MiB; 16 MiB of
// float32 per argument and per output stays far below that and below GL texture limits, and inputs
// larger than that run as several calls over tiles.

export interface Tiling {
  /** The most float32 values in any one argument or output of a kernel call. */
  maxValues: number;
  /** The most terms one float32 dot product sums before it is added to a float64 total. */
  maxTerms: number;
  /**
   * matmul: the most output columns per call, so the tile of B every thread row sweeps (terms x columns,
   * 256 KiB at 256 x 256) stays in a core's cache; measured about 1.5x faster than whole rows at 1024.
   */
  maxColumns: number;
}

export const DEFAULT_TILING: Tiling = { maxValues: 1 << 22, maxTerms: 256, maxColumns: 256 };

/** The largest multiple of 4 not above `limit`, and at least 4. */
export function multipleOf4(limit: number): number {
  return Math.max(4, Math.floor(limit / 4) * 4);
}

export function roundUpTo4(value: number): number {
  return Math.ceil(value / 4) * 4;
}
