// Deeply nested JSON parses fine but later recursive code (validation, stringify, Lua argument
// building) can overflow the stack on it: such bodies are refused right after parsing.

export const DEFAULT_MAX_JSON_DEPTH = 32;

/** Nesting depth of a parsed JSON value: a scalar is 0, `[]` and `{}` are 1. Iterative, so it cannot overflow. */
export function jsonDepth(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  // Two parallel stacks instead of an object per node: bodies with many small items stay cheap.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const current = values.pop();
    const depth = depths.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    const inner = depth + 1;
    if (inner > deepest) deepest = inner;
    if (deepest > stopAbove) return deepest;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child !== 'object' || child === null) continue;
      values.push(child);
      depths.push(inner);
    }
  }
  return deepest;
}

export function tooDeepMessage(maxDepth: number): string {
  return `JSON nesting is deeper than ${maxDepth} levels`;
}
