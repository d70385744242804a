// gpubatch pools [--json]: each compute environment's nodes and GPUs as a map, from GET /v1/compute-environments.
import type { ComputeEnvironmentView } from '../../api/job-service.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import { LEGEND, poolMap } from '../pool-map.ts';

export async function poolsCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs('pools', args, { json: { type: 'boolean' } }, []);
  const { computeEnvironments } = await apiClient(ctx).get<{ computeEnvironments: ComputeEnvironmentView[] }>(
    '/v1/compute-environments',
  );
  if (values.json) {
    ctx.stdout.write(`${JSON.stringify(computeEnvironments, null, 2)}\n`);
    return EXIT.ok;
  }
  if (computeEnvironments.length === 0) {
    ctx.stderr.write('no compute environments\n');
    return EXIT.ok;
  }
  const blocks = computeEnvironments.map((ce) => poolMap(ce).join('\n'));
  ctx.stdout.write(`${blocks.join('\n\n')}\n\n${LEGEND}\n`);
  return EXIT.ok;
}
