// gpubatch up: runs the whole service in this process.
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../errors.ts';

export async function upCommand(args: string[]): Promise<number> {
  parseCommandArgs('up', args, {}, []);
  // Loaded only here, so the client commands never pay for Redis, BullMQ or the executors.
  const { up } = await import('../../scheduler/up.ts');
  await up();
  return EXIT.ok;
}
