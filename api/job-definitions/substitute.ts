// Ref::name placeholders (AWS Batch job definition parameters): a pure, single-pass substitution.

/** `Ref::` followed by the longest run of letters, digits and "_". */
const PLACEHOLDER = /Ref::([A-Za-z0-9_]+)/g;

export interface MissingParameter {
  /** The placeholder's name, e.g. "date" for Ref::date. */
  name: string;
  /** Where it was used: a dotted path such as "params.columns[1]". */
  path: string;
}

export interface Substituted<T> {
  value: T;
  missing: MissingParameter[];
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * Replaces every Ref::name in every string inside `value` (objects and arrays walked, other values
 * untouched) by `parameters[name]`. One pass: a substituted value that itself holds "Ref::" stays as it
 * is. A placeholder without a value is left in place and reported in `missing`.
 */
export function substituteRefs<T>(
  value: T,
  parameters: Readonly<Record<string, string>>,
  path = '',
): Substituted<T> {
  const missing: MissingParameter[] = [];
  const walk = (node: unknown, at: string): unknown => {
    if (typeof node === 'string') {
      return node.replace(PLACEHOLDER, (whole, name: string) => {
        if (Object.hasOwn(parameters, name)) return parameters[name]!;
        missing.push({ name, path: at });
        return whole;
      });
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, childPath(at, i)));
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, childPath(at, k))]));
    }
    return node;
  };
  return { value: walk(value, path) as T, missing };
}
