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
import { upCommand } from './commands/up.ts';
import { watchCommand } from './commands/watch.ts';
import type { CliContext } from './context.ts';
import { CliError, EXIT, UsageError } from './errors.ts';
import { COMMAND_USAGE, type CommandName, USAGE } from './usage.ts';

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
  simulate: simulateCommand,
  'gen-trace': genTraceCommand,
  'gen-cluster': genClusterCommand,
  completion: completionCommand,
};

const isHelp = (arg: string) => arg === '--help' || arg === '-h';

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** Runs one command line (without "node gpubatch.ts") and returns the exit code. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...args] = argv;
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
