// Typed values of command-line options, with errors that name the option and show the command's usage.
import { UsageError } from './errors.ts';
import { COMMAND_USAGE, type CommandName } from './usage.ts';

function bad(command: CommandName, option: string, what: string, value: string): never {
  throw new UsageError(`${command}: --${option}: expected ${what}, got "${value}"`, COMMAND_USAGE[command]);
}

export function requiredOption(command: CommandName, option: string, value: string | undefined): string {
  if (value === undefined || value === '')
    throw new UsageError(`${command}: missing --${option}`, COMMAND_USAGE[command]);
  return value;
}

/** A whole number >= min, or `fallback` when the option is absent. */
export function integerOption(
  command: CommandName,
  option: string,
  value: string | undefined,
  fallback: number,
  min = 0,
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min)
    bad(command, option, `a whole number >= ${min}`, value);
  return parsed;
}

/** A finite number within [min, max], or `fallback` when the option is absent. */
export function numberOption(
  command: CommandName,
  option: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max = Number.POSITIVE_INFINITY,
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < min || parsed > max)
    bad(
      command,
      option,
      max === Number.POSITIVE_INFINITY ? `a number >= ${min}` : `a number ${min}..${max}`,
      value,
    );
  return parsed;
}

/** "a=1,b=2" as { a: 1, b: 2 }, each value a positive number. */
export function weightsOption(
  command: CommandName,
  option: string,
  value: string | undefined,
): Record<string, number> {
  const weights: Record<string, number> = {};
  if (value === undefined) return weights;
  for (const part of value.split(',')) {
    const [name, text, ...rest] = part.split('=');
    const weight = Number(text);
    if (!name || text === undefined || rest.length > 0 || !(weight > 0) || !Number.isFinite(weight))
      bad(command, option, 'share=weight pairs joined by "," with positive weights', value);
    weights[name] = weight;
  }
  return weights;
}
