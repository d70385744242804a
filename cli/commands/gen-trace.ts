// gpubatch gen-trace --jobs N --seed S [--fractional F] [--multi-gpu F] [--model-constrained F]
//   [--cpu-only F] [--out jobs.csv]: a synthetic workload as a jobs CSV (the same bytes for the same options).
import { parseCommandArgs } from '../args.ts';
import type { CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { integerOption, numberOption, requiredOption } from '../option-values.ts';
import { COMMAND_USAGE } from '../usage.ts';

export async function genTraceCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(
    'gen-trace',
    args,
    {
      jobs: { type: 'string' },
      seed: { type: 'string' },
      fractional: { type: 'string' },
      'multi-gpu': { type: 'string' },
      'model-constrained': { type: 'string' },
      'cpu-only': { type: 'string' },
      out: { type: 'string' },
    },
    [],
  );
  const fraction = (option: keyof typeof values, fallback: number) =>
    numberOption('gen-trace', option, values[option] as string | undefined, fallback, 0, 1);
  const options = {
    jobs: integerOption('gen-trace', 'jobs', requiredOption('gen-trace', 'jobs', values.jobs), 0, 1),
    seed: integerOption('gen-trace', 'seed', requiredOption('gen-trace', 'seed', values.seed), 0),
    fractionalShare: fraction('fractional', 0.4),
    multiGpuShare: fraction('multi-gpu', 0.2),
    modelConstrainedShare: fraction('model-constrained', 0.1),
    cpuOnlyShare: fraction('cpu-only', 0.05),
  };
  if (options.fractionalShare + options.multiGpuShare + options.cpuOnlyShare > 1)
    throw new UsageError(
      'gen-trace: --fractional + --multi-gpu + --cpu-only must not exceed 1',
      COMMAND_USAGE['gen-trace'],
    );
  // Loaded only now, so other commands never pay for the generator.
  const [{ generateTrace }, { writeJobsCsv }, { writeOutput }] = await Promise.all([
    import('../../scheduler/sim/generate.ts'),
    import('../../scheduler/sim/job-format.ts'),
    import('../sim-files.ts'),
  ]);
  await writeOutput(values.out, writeJobsCsv(generateTrace(options)), ctx);
  return EXIT.ok;
}
