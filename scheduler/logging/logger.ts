// Structured logs: pino JSON lines on stdout (LOG_LEVEL, default info), or one readable line per record
// with LOG_FORMAT=pretty. Lines about a job carry jobId, attempt, queue and node as fields, so a log
// store can filter one job's story. Secrets never reach a line: known secret fields are redacted by
// pino, passwords in URLs are masked, and configured secret values are replaced wherever they appear.
import { type Logger, type LoggerOptions, pino } from 'pino';

/** The fields a line about a job carries (all optional: a line before placement has no node). */
export interface JobLogFields {
  jobId?: string;
  attempt?: number;
  queue?: string;
  node?: string;
}

export interface LogFields extends JobLogFields {
  /** Default info. */
  level?: 'debug' | 'info' | 'warn' | 'error';
  [field: string]: unknown;
}

/** What the service passes around: a message, and optionally its fields (a job's, a level). */
export type LogFn = (message: string, fields?: LogFields) => void;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;

/** Field names whose values are secrets wherever they appear in a logged object (pino redact paths). */
const SECRET_FIELDS = [
  'token',
  'password',
  'secret',
  'secretAccessKey',
  'sessionToken',
  'authorization',
  'redisUrl',
];
const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  // A logged request or its headers (e.g. an error that carries them).
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
];

/**
 * Secrets made at run time (API tokens, access keys) are not in any configured list: they are caught by
 * their shape, whatever line carries them.
 */
const SECRET_SHAPES: Array<[RegExp, string]> = [
  [/\b(Bearer)\s+[^\s"',;]+/gi, '$1 ***'],
  [/(Signature=)[0-9a-f]{16,}/gi, '$1***'],
  [/(secretAccessKey\\?["']?\s*[:=]\s*\\?["']?)[^\s"'\\,}]+/gi, '$1***'],
];

export interface LoggerSettings {
  level?: string;
  format?: string;
  /** Values never to print (the API token, AWS secret keys): replaced by *** in messages and fields. */
  secrets?: readonly (string | undefined)[];
  /** Where lines go (default stdout); tests capture them. */
  write?: (line: string) => void;
  /** Fields on every line (e.g. the role). */
  base?: Record<string, unknown>;
}

/** Settings from the environment: LOG_LEVEL, LOG_FORMAT; throws naming the variable on a bad value. */
export function loggerSettingsFromEnv(env: NodeJS.ProcessEnv): Pick<LoggerSettings, 'level' | 'format'> {
  const level = env.LOG_LEVEL || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${level}"`);
  const format = env.LOG_FORMAT || 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(format))
    throw new Error(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}; got "${format}"`);
  return { level, format };
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const mask = secretMasker(settings.secrets ?? []);
  const write = settings.write ?? ((line: string) => process.stdout.write(line));
  const pretty = settings.format === 'pretty';
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: settings.base ?? null,
    redact: { paths: REDACT_PATHS, censor: '***' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  // The whole serialized line is masked: a secret inside a message, an error or any field is caught.
  return pino(options, { write: (line: string) => write(pretty ? prettyLine(mask(line)) : mask(line)) });
}

/** A LogFn over a logger: the fields become the line's fields, `level` picks the method. */
export function logFnOf(logger: Logger): LogFn {
  return (message, fields) => {
    const { level = 'info', ...rest } = fields ?? {};
    logger[level](rest, message);
  };
}

/** Replaces passwords in URLs, bearer tokens, SigV4 signatures, secret keys and each configured secret by ***. */
export function secretMasker(secrets: readonly (string | undefined)[]): (text: string) => string {
  // Short values would mask ordinary words; a real secret is longer.
  const values = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6);
  return (text) => {
    let masked = text.replace(/\/\/([^@/\s"]*)@/g, '//***@');
    for (const [shape, replacement] of SECRET_SHAPES) masked = masked.replace(shape, replacement);
    for (const value of values) masked = masked.split(value).join('***');
    return masked;
  };
}

/** One JSON line as `time level message key=value ...`, for people reading a terminal. */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { time, level, msg, ...fields } = record;
  const extra = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${String(time ?? '')} ${String(level ?? '')
    .toUpperCase()
    .padEnd(5)} ${String(msg ?? '')}${extra ? `  ${extra}` : ''}\n`;
}
