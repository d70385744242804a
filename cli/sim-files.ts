// Reading and writing the simulator's files for the CLI: paths relative to the current directory, and a
// format error becomes "file:line: column: reason" with exit 2.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isCollection, LineCounter, parseDocument } from 'yaml';
import { FileConfigSchema } from '../scheduler/config.ts';
import type { NodeState } from '../scheduler/core/types.ts';
import { corePolicy } from '../scheduler/queue-settings.ts';
import { FormatError, parseJobsCsv, parseNodes } from '../scheduler/sim/formats.ts';
import type { QueueSettings } from '../scheduler/sim/replay.ts';
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

/** What `--queues` sets: only what the file holds, so command-line options and defaults fill the rest. */
export interface QueuesFile {
  queues: Record<
    string,
    Required<Omit<QueueSettings, 'fairSharePolicy'>> & Pick<QueueSettings, 'fairSharePolicy'>
  >;
  fairShare?: { weights: Record<string, number>; halfLifeSeconds: number };
  windowPerQueue?: number;
}

/**
 * The service's config file shape (`queues:`, `fairShare:`, `windowPerQueue:`; a whole service config is
 * accepted), validated with the service's own schema. Errors name the file, the line and the field.
 */
export async function readQueuesFile(file: string, ctx: CliContext): Promise<QueuesFile> {
  const text = await readText(file, ctx);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? 1 : lineCounter.linePos(offset).line;
  const [yamlError] = document.errors;
  if (yamlError !== undefined)
    throw new CliError(
      `${file}:${yamlError.linePos?.[0].line ?? 1}: invalid YAML: ${yamlError.message.split('\n')[0]}`,
      EXIT.usage,
    );
  const raw: unknown = document.toJS() ?? {};
  const result = FileConfigSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    // The deepest node on the issue's path that the file has, for its line.
    let node: unknown;
    for (let depth = issue.path.length; depth > 0 && node === undefined; depth--)
      node = document.getIn(issue.path.slice(0, depth) as (string | number)[], true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    const line = lineAt(range?.[0] ?? (isCollection(document.contents) ? document.contents.range?.[0] : 0));
    const field = issue.path.join('.') || '(root)';
    throw new CliError(`${file}:${line}: ${field}: ${issue.message}`, EXIT.usage);
  }
  const given = raw as Record<string, unknown>;
  const queues: QueuesFile['queues'] = {};
  for (const queue of result.data.queues) {
    if (given.queues === undefined) break; // the service's default queue, not the file's
    if (queues[queue.name] !== undefined)
      throw new CliError(`${file}: queues: queue "${queue.name}" is listed twice`, EXIT.usage);
    const { priority, canPreempt, preemptible, fairSharePolicy } = queue;
    queues[queue.name] = {
      priority,
      canPreempt,
      preemptible,
      ...(fairSharePolicy ? { fairSharePolicy: corePolicy(fairSharePolicy) } : {}),
    };
  }
  return {
    queues,
    ...(given.fairShare === undefined ? {} : { fairShare: result.data.fairShare }),
    ...(given.windowPerQueue === undefined ? {} : { windowPerQueue: result.data.windowPerQueue }),
  };
}
