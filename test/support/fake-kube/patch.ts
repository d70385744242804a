// The three patch formats client-node sends (its default for patch* calls is JSON Patch; the
// others are chosen with setHeaderOptions('Content-Type', PatchStrategy.X)).
import { KubeError, statuses } from './status.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386: objects merge recursively, null deletes, anything else (lists too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parent(
  doc: unknown,
  pointer: string,
): { container: Record<string, unknown> | unknown[]; key: string } {
  if (!pointer.startsWith('/')) throw statuses.badRequest(`invalid JSON pointer "${pointer}"`);
  const tokens = pointer.slice(1).split('/').map(unescapeToken);
  const key = tokens.pop() as string;
  let node: unknown = doc;
  for (const t of tokens) {
    node = Array.isArray(node) ? node[Number(t)] : isObject(node) ? node[t] : undefined;
    if (node === undefined) throw invalidPatch(`path ${pointer} does not exist`);
  }
  if (!Array.isArray(node) && !isObject(node)) throw invalidPatch(`path ${pointer} does not exist`);
  return { container: node as Record<string, unknown> | unknown[], key };
}

function invalidPatch(why: string): KubeError {
  return new KubeError(
    422,
    'Invalid',
    `the server rejected our request due to an error in our request: ${why}`,
  );
}

function read(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  const { container, key } = parent(doc, pointer);
  const value = Array.isArray(container) ? container[Number(key)] : container[key];
  if (value === undefined) throw invalidPatch(`path ${pointer} does not exist`);
  return value;
}

function add(doc: unknown, pointer: string, value: unknown): void {
  const { container, key } = parent(doc, pointer);
  if (Array.isArray(container)) {
    const index = key === '-' ? container.length : Number(key);
    if (!(index >= 0 && index <= container.length)) throw invalidPatch(`index ${key} out of range`);
    container.splice(index, 0, structuredClone(value));
  } else container[key] = structuredClone(value);
}

function remove(doc: unknown, pointer: string): void {
  read(doc, pointer);
  const { container, key } = parent(doc, pointer);
  if (Array.isArray(container)) container.splice(Number(key), 1);
  else delete container[key];
}

/** RFC 6902 on a copy of `target`. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw statuses.badRequest('json patch must be an array of operations');
  const doc = { root: structuredClone(target) };
  const at = (p: string) => `/root${p}`;
  for (const op of ops as Array<{ op: string; path: string; value?: unknown; from?: string }>) {
    switch (op.op) {
      case 'add':
        add(doc, at(op.path), op.value);
        break;
      case 'remove':
        remove(doc, at(op.path));
        break;
      case 'replace':
        remove(doc, at(op.path));
        add(doc, at(op.path), op.value);
        break;
      case 'test':
        if (JSON.stringify(read(doc, at(op.path))) !== JSON.stringify(op.value)) {
          throw invalidPatch(`testing value ${op.path} failed`);
        }
        break;
      case 'move': {
        const value = read(doc, at(op.from ?? ''));
        remove(doc, at(op.from ?? ''));
        add(doc, at(op.path), value);
        break;
      }
      case 'copy':
        add(doc, at(op.path), read(doc, at(op.from ?? '')));
        break;
      default:
        throw statuses.badRequest(`unexpected json patch operation "${op.op}"`);
    }
  }
  return doc.root;
}

export function applyPatch(contentType: string, target: unknown, body: unknown): unknown {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json-patch+json') return jsonPatch(target, body);
  // Strategic merge is approximated by a JSON merge patch: lists are replaced, not merged by key.
  if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') {
    if (!isObject(body)) throw statuses.badRequest('merge patch must be a JSON object');
    return mergePatch(target, body);
  }
  throw statuses.unsupportedMediaType(type);
}
