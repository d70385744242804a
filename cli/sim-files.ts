// Reading and writing the simulator's files for the CLI: paths relative to the current directory, and a
// format error becomes "file:line: column: reason" with exit 2.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { NodeState } from '../scheduler/core/types.ts';
import { FormatError, parseJobsCsv, parseNodes } from '../scheduler/sim/formats.ts';
import type { TraceJob } from '../scheduler/sim/trace.ts';
import type { CliContext } from './context.ts';
import { CliError, EXIT } from './errors.ts';

async function readText(file: string, ctx: CliContext): Promise<string> {
  try {
    return await readFile(resolve(ctx.cwd, file), 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new CliError(`cannot read ${file}: ${reason}`, EXIT.usage);
  }
}

function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof FormatError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

/** Nodes CSV, or nodes YAML for .yaml/.yml. */
export async function readCluster(file: string, ctx: CliContext): Promise<NodeState[]> {
  const text = await readText(file, ctx);
  const nodes = parsed(() => parseNodes(text, file));
  if (nodes.length === 0) throw new CliError(`${file}: holds no nodes`, EXIT.usage);
  return nodes;
}

export async function readTrace(file: string, ctx: CliContext): Promise<TraceJob[]> {
  const text = await readText(file, ctx);
  return parsed(() => parseJobsCsv(text, file));
}

/** Writes `text` to `file` (relative to the current directory), or to stdout when no file is given. */
export async function writeOutput(file: string | undefined, text: string, ctx: CliContext): Promise<void> {
  if (file === undefined) {
    ctx.stdout.write(text);
    return;
  }
  try {
    await writeFile(resolve(ctx.cwd, file), text);
  } catch (error) {
    throw new CliError(`cannot write ${file}: ${(error as Error).message}`, EXIT.failure);
  }
}
