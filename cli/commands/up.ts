// gpubatch up: runs the service, or one role of it, in this process.
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../errors.ts';

export async function upCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('up', args, { role: { type: 'string' } }, []);
  // Loaded only here, so the client commands never pay for Redis, BullMQ or the executors.
  const { up } = await import('../../scheduler/up.ts');
  // --role wins over GPUBATCH_ROLE; loadConfig validates either.
  await up(values.role === undefined ? process.env : { ...process.env, GPUBATCH_ROLE: values.role });
  return EXIT.ok;
}
