// Compute environments on the AWS-compatible endpoint: they come from the service config (GPUBATCH_CONFIG),
// except simulated ones, which CreateComputeEnvironment makes from a tag; Describe shows both, Update
// changes their state.
import { z } from 'zod';
import { ComputeEnvironmentCreateSchema } from '../schemas/compute-environment.ts';
import { parseOrThrow } from '../validate.ts';
import { arn, nameFromArnOrName } from './arn.ts';
import type { AwsCaller, AwsServices } from './context.ts';
import { DescribeSchema, page } from './describe-page.ts';
import { ClientException } from './errors.ts';

/** The tags that describe a simulated compute environment (AWS has no such type; docs/aws-batch.md). */
export const SIMULATED_NODES_TAG = 'gpubatch:simulated-nodes';
export const SIMULATED_SECONDS_TAG = 'gpubatch:simulated-default-seconds';

const CreateComputeEnvironmentSchema = z.strictObject({
  computeEnvironmentName: z.string().min(1),
  type: z.enum(['MANAGED', 'UNMANAGED']),
  state: z.enum(['ENABLED', 'DISABLED']).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  unmanagedvCpus: z.int().min(0).optional(),
});

const CONFIGURED_ONLY =
  'local and kubernetes compute environments are configured in the service config (GPUBATCH_CONFIG: computeEnvironments) and read at start-up; edit it and restart the service (docs/aws-batch.md)';

/**
 * Only gpubatch's simulated type can be created while the service runs: `type UNMANAGED` with its nodes
 * as JSON in the tag gpubatch:simulated-nodes (the native `nodes`); anything else says how instead.
 */
export async function createComputeEnvironment(services: AwsServices, caller: AwsCaller, body: unknown) {
  const input = parseOrThrow(CreateComputeEnvironmentSchema, body, 'request');
  const nodesTag = input.tags?.[SIMULATED_NODES_TAG];
  if (input.type !== 'UNMANAGED' || nodesTag === undefined)
    throw new ClientException(
      `CreateComputeEnvironment creates only simulated compute environments: type UNMANAGED with the tag ${SIMULATED_NODES_TAG} = a JSON list of node shapes, e.g. [{"count":2,"gpus":8,"gpuModel":"H100"}]; ${CONFIGURED_ONLY}`,
    );
  let nodes: unknown;
  try {
    nodes = JSON.parse(nodesTag);
  } catch {
    throw new ClientException(`tags.${SIMULATED_NODES_TAG}: not JSON: ${nodesTag}`);
  }
  const seconds = input.tags?.[SIMULATED_SECONDS_TAG];
  const parsed = ComputeEnvironmentCreateSchema.safeParse({
    name: input.computeEnvironmentName,
    type: 'simulated',
    nodes,
    ...(input.state ? { state: input.state } : {}),
    ...(seconds !== undefined ? { defaultSeconds: Number(seconds) } : {}),
  });
  if (!parsed.success) {
    // Everything but the name comes from the tags: name the tag and the field within it.
    const issue = parsed.error.issues[0]!;
    const [first, ...rest] = issue.path;
    const within = rest.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    const where =
      first === 'nodes'
        ? `tags.${SIMULATED_NODES_TAG}${within}`
        : first === 'defaultSeconds'
          ? `tags.${SIMULATED_SECONDS_TAG}`
          : first === 'name'
            ? 'computeEnvironmentName'
            : String(first);
    throw new ClientException(`${where}: ${issue.message}`);
  }
  const definition = parsed.data;
  const create = services.computeEnvironmentCatalog?.create;
  if (!create)
    throw new ClientException(`CreateComputeEnvironment is not supported by this server; ${CONFIGURED_ONLY}`);
  if (!(await create.call(services.computeEnvironmentCatalog, definition)))
    throw new ClientException(
      `computeEnvironmentName: a compute environment named ${definition.name} exists already`,
    );
  return {
    computeEnvironmentName: definition.name,
    computeEnvironmentArn: arn(caller.region, 'compute-environment', definition.name),
  };
}

const UpdateComputeEnvironmentSchema = z.strictObject({
  computeEnvironment: z.string().min(1),
  state: z.enum(['ENABLED', 'DISABLED']).optional(),
});

/** Only `state` maps (DISABLED: nothing new is placed); gpubatch's maxNodes has no AWS field. */
export async function updateComputeEnvironment(services: AwsServices, caller: AwsCaller, body: unknown) {
  const input = parseOrThrow(UpdateComputeEnvironmentSchema, body, 'request');
  const name = nameFromArnOrName(input.computeEnvironment, 'compute-environment');
  const catalog = services.computeEnvironmentCatalog;
  if (!catalog) throw new ClientException('UpdateComputeEnvironment is not supported by this server');
  const updated = await catalog.update(name, input.state ? { state: input.state } : {});
  if (!updated) throw new ClientException(`computeEnvironment: no compute environment named ${name}`);
  return {
    computeEnvironmentName: name,
    computeEnvironmentArn: arn(caller.region, 'compute-environment', name),
  };
}

export async function describeComputeEnvironments(services: AwsServices, caller: AwsCaller, body: unknown) {
  const input = parseOrThrow(DescribeSchema('computeEnvironments'), body, 'request');
  const wanted = (input['computeEnvironments'] as string[] | undefined)?.map((c) =>
    nameFromArnOrName(c, 'compute-environment'),
  );
  // Configured and created alike (the native list has both); the scorer is known for configured ones.
  const scorers = new Map(services.computeEnvironments.map((c) => [c.name, c.scorer] as const));
  const listed = await services.jobs.computeEnvironments();
  const environments = (listed.length > 0 ? listed : services.computeEnvironments)
    .filter((c) => !wanted || wanted.includes(c.name))
    .map((c) => ({ ...c, scorer: scorers.get(c.name) }));
  const states = new Map(listed.map((c) => [c.name, c.state] as const));
  const { items, nextToken } = page(environments, input.maxResults as number | undefined, input.nextToken);
  return {
    computeEnvironments: items.map((c) => ({
      computeEnvironmentName: c.name,
      computeEnvironmentArn: arn(caller.region, 'compute-environment', c.name),
      type: 'UNMANAGED',
      state: states.get(c.name) ?? 'ENABLED',
      status: 'VALID',
      statusReason: `gpubatch ${c.type} compute environment${c.scorer ? `, scorer ${c.scorer}` : ''}`,
    })),
    ...(nextToken ? { nextToken } : {}),
  };
}
