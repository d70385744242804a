// The tensor element types batch inference reads from files and feeds to a model, and the typed arrays
// that hold them (float16 as raw IEEE half bits in a Uint16Array, as onnxruntime takes them).

export const INPUT_ELEMENT_TYPES = ['float32', 'float16', 'int64', 'uint8'] as const;
export type InputElementType = (typeof INPUT_ELEMENT_TYPES)[number];
export type ElementArray = Float32Array | Uint16Array | BigInt64Array | Uint8Array;

export const BYTES_PER_ELEMENT: Record<InputElementType, number> = {
  float32: 4,
  float16: 2,
  int64: 8,
  uint8: 1,
};

export function isInputElementType(type: string): type is InputElementType {
  return (INPUT_ELEMENT_TYPES as readonly string[]).includes(type);
}

/** A typed array of `type` over bytes [byteOffset, byteOffset + length * size); the offset must be aligned. */
export function elementView(
  type: InputElementType,
  buffer: ArrayBufferLike,
  byteOffset: number,
  length: number,
): ElementArray {
  switch (type) {
    case 'float32':
      return new Float32Array(buffer, byteOffset, length);
    case 'float16':
      return new Uint16Array(buffer, byteOffset, length);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, length);
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, length);
  }
}

export function allocateElements(type: InputElementType, length: number): ElementArray {
  return elementView(type, new ArrayBuffer(length * BYTES_PER_ELEMENT[type]), 0, length);
}

/** IEEE 754 half-precision bits to a number. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** A number to IEEE half bits, rounding to nearest even (via float32, as numpy's astype does for most values). */
export function numberToHalf(value: number): number {
  scratch[0] = value;
  const bits = scratchBits[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    const rounded = roundShift(mantissa, shift);
    return sign | rounded;
  }
  const rounded = roundShift(mantissa, 13);
  if (rounded === 0x400) {
    halfExponent += 1;
    if (halfExponent >= 0x1f) return sign | 0x7c00;
    return sign | (halfExponent << 10);
  }
  return sign | (halfExponent << 10) | rounded;
}

function roundShift(value: number, shift: number): number {
  const half = 1 << (shift - 1);
  const truncated = value >>> shift;
  const remainder = value & ((1 << shift) - 1);
  if (remainder > half || (remainder === half && truncated & 1)) return truncated + 1;
  return truncated;
}
