// Maps a request path to (resource, namespace, name, subresource) the way the API server's
// request-info resolver does, for the groups and resources the double serves.
import { type ResourceDef, resources } from './resources.ts';

export interface Route {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const prefixes: Record<string, string> = {
  '/api/v1': '',
  '/apis/coordination.k8s.io/v1': 'coordination.k8s.io',
};

export function route(pathname: string): Route | undefined {
  for (const [prefix, group] of Object.entries(prefixes)) {
    if (!pathname.startsWith(`${prefix}/`)) continue;
    const parts = pathname
      .slice(prefix.length + 1)
      .split('/')
      .map(decodeURIComponent);
    let namespace: string | undefined;
    if (parts[0] === 'namespaces' && parts.length >= 3) {
      namespace = parts[1];
      parts.splice(0, 2);
    }
    const [plural, name, subresource, ...rest] = parts;
    if (rest.length > 0 || !plural) return undefined;
    // POST namespaces/{ns}/bindings is the older spelling of pods/{name}/binding.
    if (plural === 'bindings' && group === '' && namespace && !name) {
      return { def: resources.pods as ResourceDef, namespace, subresource: 'binding' };
    }
    const def = resources[plural];
    if (!def || def.group !== group) return undefined;
    if (def.namespaced !== (namespace !== undefined) && !(def.namespaced && name === undefined))
      return undefined;
    return { def, namespace, name, subresource };
  }
  return undefined;
}
