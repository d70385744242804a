// Dispatches `gpubatch <command> ...` and turns errors into one message and an exit code.
import { cancelCommand } from './commands/cancel.ts';
import { completionCommand } from './commands/completion.ts';
import { computeEnvironmentsCommand } from './commands/compute-environments.ts';
import { describeCommand } from './commands/describe.ts';
import { eventsCommand } from './commands/events.ts';
import { genClusterCommand } from './commands/gen-cluster.ts';
import { genTraceCommand } from './commands/gen-trace.ts';
import { jobDefinitionsCommand } from './commands/job-definitions.ts';
import { keysCommand } from './commands/keys.ts';
import { logsCommand } from './commands/logs.ts';
import { lsCommand } from './commands/ls.ts';
import { poolsCommand } from './commands/pools.ts';
import { queuesCommand } from './commands/queues.ts';
import { retryFailedCommand } from './commands/retry-failed.ts';
import { simulateCommand } from './commands/simulate.ts';
import { submitCommand } from './commands/submit.ts';
import { tenantsCommand } from './commands/tenants.ts';
import { terminateCommand } from './commands/terminate.ts';
import { tokensCommand } from './commands/tokens.ts';
import { upCommand } from './commands/up.ts';
import { watchCommand } from './commands/watch.ts';
import type { CliContext } from './context.ts';
import { CliError, EXIT, UsageError } from './errors.ts';
import { COMMAND_USAGE, type CommandName, GLOBAL_OPTIONS, USAGE } from './usage.ts';

type Command = (args: string[], ctx: CliContext) => Promise<number>;

const COMMANDS: Record<CommandName, Command> = {
  up: upCommand,
  submit: submitCommand,
  describe: describeCommand,
  ls: lsCommand,
  logs: logsCommand,
  watch: watchCommand,
  events: eventsCommand,
  cancel: cancelCommand,
  terminate: terminateCommand,
  'job-definitions': jobDefinitionsCommand,
  'retry-failed': retryFailedCommand,
  queues: queuesCommand,
  'compute-environments': computeEnvironmentsCommand,
  pools: poolsCommand,
  keys: keysCommand,
  tenants: tenantsCommand,
  tokens: tokensCommand,
  simulate: simulateCommand,
  'gen-trace': genTraceCommand,
  'gen-cluster': genClusterCommand,
  completion: completionCommand,
};

const isHelp = (arg: string) => arg === '--help' || arg === '-h';

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

const CONNECTION_FLAGS = ['url', 'token'] as const;

/** --url and --token apply to every command, anywhere on the line; they are taken out before dispatch. */
function takeConnectionFlags(argv: string[]): { rest: string[]; flags: NonNullable<CliContext['flags']> } {
  const rest: string[] = [];
  const flags: NonNullable<CliContext['flags']> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const flag = CONNECTION_FLAGS.find((name) => arg === `--${name}` || arg.startsWith(`--${name}=`));
    if (!flag) {
      rest.push(arg);
      continue;
    }
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
    if (!value) throw new UsageError(`--${flag} needs a value`, GLOBAL_OPTIONS);
    flags[flag] = value;
  }
  return { rest, flags };
}

/** Runs one command line (without "node gpubatch.ts") and returns the exit code. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  let taken: ReturnType<typeof takeConnectionFlags>;
  try {
    taken = takeConnectionFlags(argv);
  } catch (error) {
    ctx.stderr.write(`gpubatch ${(error as UsageError).message}\n\nUsage: ${GLOBAL_OPTIONS}\n`);
    return EXIT.usage;
  }
  ctx = { ...ctx, flags: { ...ctx.flags, ...taken.flags } };
  const [name, ...args] = taken.rest;
  if (name === undefined || isHelp(name) || name === 'help') {
    (name === undefined ? ctx.stderr : ctx.stdout).write(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (!isCommandName(name)) {
    ctx.stderr.write(`gpubatch: unknown command "${name}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (args.some(isHelp)) {
    ctx.stdout.write(`${COMMAND_USAGE[name]}\n`);
    return EXIT.ok;
  }
  try {
    return await COMMANDS[name](args, ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.stderr.write(`gpubatch ${error.message}\n\nUsage: ${error.usage}\n`);
    } else if (error instanceof CliError) {
      ctx.stderr.write(`gpubatch: ${error.message}\n`);
    } else {
      ctx.stderr.write(`gpubatch: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
      return EXIT.failure;
    }
    return error.exitCode;
  }
}
