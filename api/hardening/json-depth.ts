// Deeply nested JSON parses fine but later recursive code (validation, stringify, Lua argument
// building) can overflow the stack on it: such bodies are refused right after parsing.

export const DEFAULT_MAX_JSON_DEPTH = 32;

/** Nesting depth of a parsed JSON value: a scalar is 0, `[]` and `{}` are 1. Iterative, so it cannot overflow. */
export function jsonDepth(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    const inner = depth + 1;
    if (inner > deepest) deepest = inner;
    if (deepest > stopAbove) return deepest;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) stack.push({ value: child, depth: inner });
  }
  return deepest;
}

export function tooDeepMessage(maxDepth: number): string {
  return `JSON nesting is deeper than ${maxDepth} levels`;
}
