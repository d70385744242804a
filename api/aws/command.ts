// The container command of an AWS job definition names what a gpubatch job runs. gpubatch runs kernels
// and ONNX inference, not container images, so the command must have one of two shapes (docs/aws-batch.md):
//   gpubatch kernel <kernel> --input <path> --output <path> [--param <name>=<value>]...
//   gpubatch inference <model.onnx> --input <path> --output <path> [--param <name>=<value>]...
// A value that parses as JSON is that JSON (3, true, [1,2], "x"); anything else is the string as written.
// Ref::<name> placeholders may appear anywhere; they are filled at SubmitJob like native definitions.
import { ClientException } from './errors.ts';

export interface CommandTarget {
  kind: 'kernel' | 'inference';
  kernel?: string;
  model?: string;
  input: string;
  output: string;
  params: Record<string, unknown>;
}

export const COMMAND_SHAPE =
  'expected ["gpubatch", "kernel", "<kernel>" | "inference", "<model.onnx>", "--input", "<path>", "--output", "<path>", ("--param", "<name>=<value>")...]';

function refused(field: string, why: string): ClientException {
  return new ClientException(`${field}: ${why}; ${COMMAND_SHAPE}`);
}

function paramValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function parseCommand(command: string[], field: string): CommandTarget {
  const [program, kind, target, ...rest] = command;
  if (program !== 'gpubatch')
    throw refused(field, `the command must start with "gpubatch", not "${program ?? ''}"`);
  if (kind !== 'kernel' && kind !== 'inference')
    throw refused(field, `the second word must be "kernel" or "inference", not "${kind ?? ''}"`);
  if (!target || target.startsWith('--'))
    throw refused(field, `name the ${kind === 'kernel' ? 'kernel' : 'model'} after "${kind}"`);
  const values: { input?: string; output?: string } = {};
  const params: Record<string, unknown> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i]!;
    const value = rest[i + 1];
    if (value === undefined) throw refused(field, `${flag} needs a value`);
    if (flag === '--input' || flag === '--output') {
      values[flag === '--input' ? 'input' : 'output'] = value;
    } else if (flag === '--param') {
      const eq = value.indexOf('=');
      if (eq <= 0) throw refused(field, `--param takes <name>=<value>, not "${value}"`);
      params[value.slice(0, eq)] = paramValue(value.slice(eq + 1));
    } else {
      throw refused(field, `unknown option "${flag}"`);
    }
  }
  if (!values.input) throw refused(field, '--input is required');
  if (!values.output) throw refused(field, '--output is required');
  return {
    kind,
    ...(kind === 'kernel' ? { kernel: target } : { model: target }),
    input: values.input,
    output: values.output,
    params,
  };
}

/** The command parseCommand reads back as `target` (how DescribeJobDefinitions and DescribeJobs show it). */
export function formatCommand(target: CommandTarget): string[] {
  const command = ['gpubatch', target.kind, (target.kind === 'kernel' ? target.kernel : target.model) ?? ''];
  command.push('--input', target.input, '--output', target.output);
  for (const [name, value] of Object.entries(target.params)) {
    const literal = typeof value === 'string' && paramValue(value) === value;
    command.push('--param', `${name}=${literal ? value : JSON.stringify(value)}`);
  }
  return command;
}
