// Groups the OpenAPI document's operations by resource, so /docs shows one section per resource
// instead of one flat list. The tag follows from the path, so a new route is grouped without a list to edit.

type PathItems = Record<string, unknown>;

export const OPERATION_TAGS = [
  { name: 'Jobs', description: 'Submit, list, read, cancel and terminate jobs; attempt logs.' },
  { name: 'Events', description: 'Job status changes as Server-Sent Events, resumable with Last-Event-ID.' },
  { name: 'Job definitions', description: 'Revisioned job templates (AWS Batch RegisterJobDefinition).' },
  { name: 'Queues', description: 'Job queues: priority, state, limits.' },
  { name: 'Compute environments', description: 'GPU node pools and their run-time settings.' },
  { name: 'Budgets', description: 'GPU-hour budget usage per share.' },
  { name: 'API tokens', description: 'Bearer tokens with a role and a tenant (admin).' },
  { name: 'Access keys', description: 'Keys for the AWS-Batch-compatible endpoint.' },
  { name: 'Tenants', description: "Each tenant's allowed queues and queued-job limit (admin)." },
  { name: 'Service', description: 'Probes, metrics and this document.' },
] as const;

type Tag = (typeof OPERATION_TAGS)[number]['name'];

/**
 * The first rule whose pattern matches the path names its tag; anything outside /v1 is the service's own.
 * A /v1 path no rule knows gets its first segment as tag, which `npm run lint:openapi` rejects as undeclared.
 */
const TAG_BY_PATH: readonly [RegExp, Tag][] = [
  [/\/events$/, 'Events'],
  [/^\/v1\/jobs\b/, 'Jobs'],
  [/^\/v1\/job-definitions\b/, 'Job definitions'],
  [/^\/v1\/queues\b/, 'Queues'],
  [/^\/v1\/compute-environments\b/, 'Compute environments'],
  [/^\/v1\/budgets\b/, 'Budgets'],
  [/^\/v1\/admin\/tokens\b/, 'API tokens'],
  [/^\/v1\/admin\/access-keys\b/, 'Access keys'],
  [/^\/v1\/admin\/tenants\b/, 'Tenants'],
];

export function tagFor(path: string): string {
  const match = TAG_BY_PATH.find(([pattern]) => pattern.test(path));
  if (match) return match[1];
  return path.startsWith('/v1/') ? (path.split('/')[2] ?? path) : 'Service';
}

/** The same paths with `tags: [<its tag>]` on every operation. */
export function tagOperations<T extends PathItems>(paths: T): T {
  return Object.fromEntries(
    Object.entries(paths).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item as Record<string, object>).map(([method, operation]) => [
          method,
          { ...operation, tags: [tagFor(path)] },
        ]),
      ),
    ]),
  ) as T;
}

/**
 * The declared tags that some operation uses, in OPERATION_TAGS' order (the order of /docs' sections).
 * A tag no rule knows is left out, so the lint's operation-tag-defined names it.
 */
export function tagsUsedBy(paths: PathItems): (typeof OPERATION_TAGS)[number][] {
  const used = new Set(
    Object.values(paths).flatMap((item) =>
      Object.values(item as Record<string, { tags?: string[] }>).flatMap((operation) => operation.tags ?? []),
    ),
  );
  return OPERATION_TAGS.filter((tag) => used.has(tag.name));
}
