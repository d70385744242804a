// Label and field selectors with the API server's syntax; a selector the server would reject is a 400.
import type { KubeObject, ResourceDef } from './resources.ts';
import { statuses } from './status.ts';

export type Matcher = (o: KubeObject) => boolean;

const everything: Matcher = () => true;

/** Splits on commas outside parentheses: `a in (x,y),b` -> [`a in (x,y)`, `b`]. */
function terms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

function labelTerm(term: string): Matcher {
  const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const [, key, op, list] = set as unknown as [string, string, string, string];
    const values = new Set(list.split(',').map((v) => v.trim()));
    return op === 'in'
      ? (o) => values.has(o.metadata.labels?.[key] ?? '\0absent')
      : (o) => !values.has(o.metadata.labels?.[key] ?? '\0absent');
  }
  const cmp = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(term);
  if (cmp) {
    const [, key, op, value] = cmp as unknown as [string, string, string, string];
    return op === '!='
      ? (o) => o.metadata.labels?.[key] !== value
      : (o) => o.metadata.labels?.[key] === value;
  }
  const exists = /^(!?)([\w./-]+)$/.exec(term);
  if (exists) {
    const [, not, key] = exists as unknown as [string, string, string];
    return not
      ? (o) => o.metadata.labels?.[key] === undefined
      : (o) => o.metadata.labels?.[key] !== undefined;
  }
  throw statuses.badRequest(`unable to parse requirement: invalid label selector term "${term}"`);
}

export function labelSelector(selector: string | null): Matcher {
  if (!selector) return everything;
  const matchers = terms(selector).map(labelTerm);
  return (o) => matchers.every((m) => m(o));
}

export function fieldSelector(def: ResourceDef, selector: string | null): Matcher {
  if (!selector) return everything;
  const matchers = terms(selector).map((term): Matcher => {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw statuses.badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    const read = def.fields[field];
    if (!read) throw statuses.badRequest(`field label not supported: ${field}`);
    return op === '!=' ? (o) => read(o) !== value : (o) => read(o) === value;
  });
  return (o) => matchers.every((m) => m(o));
}
