// gpubatch gen-cluster --nodes N --seed S [--out nodes.csv]: a heterogeneous cluster (several GPU models,
// 2/4/8 GPUs per node) as a nodes CSV (the same bytes for the same options).
import { parseCommandArgs } from '../args.ts';
import type { CliContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import { integerOption, requiredOption } from '../option-values.ts';

export async function genClusterCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(
    'gen-cluster',
    args,
    { nodes: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } },
    [],
  );
  const options = {
    nodes: integerOption('gen-cluster', 'nodes', requiredOption('gen-cluster', 'nodes', values.nodes), 0, 1),
    seed: integerOption('gen-cluster', 'seed', requiredOption('gen-cluster', 'seed', values.seed), 0),
  };
  // Loaded only now, so other commands never pay for the generator.
  const [{ generateCluster }, { writeNodesCsv }, { writeOutput }] = await Promise.all([
    import('../../scheduler/sim/generate.ts'),
    import('../../scheduler/sim/node-format.ts'),
    import('../sim-files.ts'),
  ]);
  await writeOutput(values.out, writeNodesCsv(generateCluster(options)), ctx);
  return EXIT.ok;
}
