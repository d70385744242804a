// Kubernetes resource quantities ("500m", "64", "512Gi", "1e3", "2G") as the numbers the core counts in.

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** The quantity as a plain number (cores, bytes, GPUs); NaN when it is not a quantity. */
export function parseQuantity(text: string | undefined): number {
  if (text === undefined) return Number.NaN;
  const match = /^([+-]?\d+(?:\.\d+)?|[+-]?\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(
    text.trim(),
  );
  if (!match) return Number.NaN;
  const [, digits, exponent, suffix = ''] = match;
  if (exponent) return Number(`${digits}${exponent}`);
  return Number(digits) * (BINARY[suffix] ?? DECIMAL[suffix] ?? Number.NaN);
}

/** CPU in millicores, rounded down (a node never offers more than it has). */
export function cpuMilli(text: string | undefined): number {
  const value = parseQuantity(text);
  return Number.isFinite(value) ? Math.floor(value * 1000 + 1e-6) : 0;
}

/** Memory in MiB, rounded down. */
export function memoryMiB(text: string | undefined): number {
  const value = parseQuantity(text);
  return Number.isFinite(value) ? Math.floor(value / 2 ** 20) : 0;
}

/** A whole count (GPUs); 0 when absent or malformed. */
export function count(text: string | undefined): number {
  const value = parseQuantity(text);
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
