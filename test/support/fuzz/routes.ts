// Every route the API serves, read from the OpenAPI document with all features on and from the AWS
// endpoint's operation table, so a route added later is fuzzed without touching the fuzz test.
import { AWS_OPERATIONS } from '../../../api/aws/router.ts';
import { fullOpenApiDocument } from '../../../api/openapi.ts';

export interface RouteParameter {
  name: string;
  in: 'path' | 'query' | 'header';
}

export interface Route {
  method: string;
  /** OpenAPI template, e.g. /v1/jobs/{id}. */
  path: string;
  parameters: RouteParameter[];
  hasBody: boolean;
  /** Answers a GET as a stream that does not end by itself (server-sent events, followed logs). */
  streams: boolean;
  /** An AWS rest-json operation: SigV4-signed, not bearer-authenticated. */
  aws: boolean;
}

interface Operation {
  parameters?: RouteParameter[];
  requestBody?: unknown;
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

export function allRoutes(): Route[] {
  const document = fullOpenApiDocument() as { paths: Record<string, Record<string, Operation>> };
  const routes: Route[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const parameters = (operation.parameters ?? []).filter((p) =>
        ['path', 'query', 'header'].includes(p.in),
      );
      const ok = operation.responses?.['200']?.content ?? {};
      routes.push({
        method: method.toUpperCase(),
        path,
        parameters: parameters.map((p) => ({ name: p.name, in: p.in })),
        hasBody: operation.requestBody !== undefined,
        streams: 'text/event-stream' in ok || parameters.some((p) => p.name === 'follow'),
        aws: false,
      });
    }
  }
  for (const name of Object.keys(AWS_OPERATIONS))
    routes.push({
      method: 'POST',
      path: `/v1/${name}`,
      parameters: [],
      hasBody: true,
      streams: false,
      aws: true,
    });
  return routes;
}

/** Top-level property names of each route's request body schema (oneOf alternatives merged). */
export function bodySchemaFields(): Map<string, string[]> {
  const document = fullOpenApiDocument() as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>>;
    components: { schemas: Record<string, Schema> };
  };
  const resolve = (schema: Schema): Schema[] => {
    if (schema.$ref) return resolve(document.components.schemas[schema.$ref.split('/').pop()!]!);
    if (schema.oneOf) return schema.oneOf.flatMap(resolve);
    return [schema];
  };
  const fields = new Map<string, string[]>();
  for (const [path, operations] of Object.entries(document.paths))
    for (const [method, operation] of Object.entries(operations)) {
      const schema = operation.requestBody?.content['application/json']?.schema;
      if (!schema) continue;
      const names = resolve(schema).flatMap((s) => Object.keys(s.properties ?? {}));
      fields.set(`${method.toUpperCase()} ${path}`, [...new Set(names)]);
    }
  return fields;
}

interface Schema {
  $ref?: string;
  oneOf?: Schema[];
  properties?: Record<string, unknown>;
}
