// What shell completion offers, read from the usage text so a new command or flag completes without more code.
import { COMMAND_USAGE, type CommandName } from './usage.ts';

export interface CommandWords {
  name: CommandName;
  /** Sub-commands (`queues ls|describe|...`, `completion bash|zsh`), in usage order. */
  subcommands: string[];
  /** Every --flag its usage names. */
  flags: string[];
}

const unique = (words: string[]) => [...new Set(words)];

/** The words right after `gpubatch <name>` on its usage lines: "ls" in "gpubatch queues ls [--json]". */
function subcommandsOf(name: CommandName, usage: string): string[] {
  const prefix = `gpubatch ${name} `;
  const words = usage
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .flatMap((line) => (line.slice(prefix.length).split(' ')[0] ?? '').split('|'))
    .filter((word) => /^[a-z][a-z-]*$/.test(word));
  return unique(words);
}

/** Flags on the synopsis lines and the option lines under them, not ones quoted in prose (aws --endpoint-url). */
function flagsOf(usage: string): string[] {
  const optionLines = usage.split('\n').filter((line) => /^(gpubatch |\s*\[|\s*--)/.test(line));
  return unique(
    optionLines.flatMap((line) => [...line.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0])),
  );
}

export function commandWords(): CommandWords[] {
  return (Object.entries(COMMAND_USAGE) as Array<[CommandName, string]>).map(([name, usage]) => ({
    name,
    subcommands: subcommandsOf(name, usage),
    flags: [...flagsOf(usage), '--help'],
  }));
}
