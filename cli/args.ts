// node:util parseArgs with errors that name the command and what is wrong.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.ts';
import { COMMAND_USAGE, type CommandName } from './usage.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `args` for `command`, requiring exactly the named positionals ("<id>", "<file>"). */
export function parseCommandArgs<O extends Options>(
  command: CommandName,
  args: string[],
  options: O,
  positionals: string[],
) {
  const usage = COMMAND_USAGE[command];
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // Node appends advice about "--" that does not help here; keep its first sentence.
    const [firstSentence] = (error as Error).message.split(/(?<=\S)\. /);
    throw new UsageError(`${command}: ${firstSentence}`, usage);
  }
  const missing = positionals[parsed.positionals.length];
  if (missing) throw new UsageError(`${command}: missing ${missing}`, usage);
  const extra = parsed.positionals[positionals.length];
  if (extra !== undefined) throw new UsageError(`${command}: unexpected argument "${extra}"`, usage);
  return parsed;
}
