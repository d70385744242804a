// gpubatch simulate --cluster <nodes.csv|yaml> --trace <jobs.csv> --policy <name[,name...]>
//   [--mode queue|online-drop] [--inflate F] [--seed N] [--json] [--plot out.svg]
//   [--share-weights a=1,b=2] [--half-life S] [--horizon S] [--window N] [--queues queues.yaml]
import { parseCommandArgs } from '../args.ts';
import type { CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { integerOption, numberOption, requiredOption, weightsOption } from '../option-values.ts';
import { COMMAND_USAGE } from '../usage.ts';

const MODES = ['queue', 'online-drop'] as const;

export async function simulateCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(
    'simulate',
    args,
    {
      cluster: { type: 'string' },
      trace: { type: 'string' },
      policy: { type: 'string' },
      mode: { type: 'string' },
      inflate: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      plot: { type: 'string' },
      'share-weights': { type: 'string' },
      'half-life': { type: 'string' },
      horizon: { type: 'string' },
      window: { type: 'string' },
      queues: { type: 'string' },
    },
    [],
  );
  const mode = values.mode ?? 'queue';
  if (!(MODES as readonly string[]).includes(mode))
    throw new UsageError(
      `simulate: --mode: expected queue or online-drop, got "${mode}"`,
      COMMAND_USAGE.simulate,
    );
  const policies = requiredOption('simulate', 'policy', values.policy).split(',');
  const optionalSeconds = (option: 'half-life' | 'horizon', min: number) =>
    values[option] === undefined ? undefined : numberOption('simulate', option, values[option], 0, min);
  const request = {
    cluster: requiredOption('simulate', 'cluster', values.cluster),
    trace: requiredOption('simulate', 'trace', values.trace),
    policies,
    mode: mode as (typeof MODES)[number],
    inflate: numberOption('simulate', 'inflate', values.inflate, 1, 0.01, 100),
    seed: integerOption('simulate', 'seed', values.seed, 0),
    json: values.json === true,
    plot: values.plot,
    shareWeights: weightsOption('simulate', 'share-weights', values['share-weights']),
    halfLifeSeconds: optionalSeconds('half-life', 1),
    horizonSeconds: optionalSeconds('horizon', 0),
    windowPerQueue:
      values.window === undefined ? undefined : integerOption('simulate', 'window', values.window, 0, 0),
    queuesFile: values.queues,
  };
  // Loaded only now, so other commands never pay for the core and the simulator.
  const { runSimulation } = await import('../simulation.ts');
  return runSimulation(request, ctx);
}
