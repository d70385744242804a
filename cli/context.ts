// What a command needs from the outside world, injected so tests run commands in-process.
import { homedir } from 'node:os';
export interface Output {
  write(text: string): unknown;
}

export interface CliContext {
  fetch: typeof globalThis.fetch;
  /** Results: a job id, a table, JSON. */
  stdout: Output;
  /** Messages, progress and errors. */
  stderr: Output;
  env: Record<string, string | undefined>;
  /** Whether stderr is a terminal, where --wait draws a progress bar instead of printing lines. */
  isTTY: boolean;
  /** Whether stdout is a terminal, where `watch` redraws its table in place (default: not). */
  stdoutIsTTY?: boolean;
  /** Relative paths in spec files are resolved against this directory. */
  cwd: string;
  /** Pause between polls; tests pass one that returns at once. Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** The user's home, for ~/.config/gpubatch/config.json; absent (tests) means no such lookup. */
  homeDir?: string;
  /** --url and --token, taken from anywhere on the command line (cli/main.ts). */
  flags?: { url?: string; token?: string };
  /**
   * Calls `handler` on Ctrl-C instead of dying at once, so a following command can stop cleanly;
   * returns the removal (after which Ctrl-C kills again). Absent: Ctrl-C is not handled.
   */
  onInterrupt?: (handler: () => void) => () => void;
}

/** The context's pause (tests pass one that returns at once), else a real timer. */
export function sleeperOf(ctx: Pick<CliContext, 'sleep'>): (ms: number) => Promise<void> {
  return ctx.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
}

export function processContext(): CliContext {
  return {
    fetch: globalThis.fetch,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    isTTY: process.stderr.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    cwd: process.cwd(),
    homeDir: homedir(),
    onInterrupt: (handler) => {
      process.once('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
  };
}
