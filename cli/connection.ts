// Where the CLI sends requests and which token it sends: --url/--token, then GPUBATCH_URL/GPUBATCH_TOKEN,
// then the CLI config file ({"url", "token"}), then, for a server on this machine, the admin token that
// its first start wrote to <data dir>/admin-token (so `npm start` then `gpubatch ls` just works).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliContext } from './context.ts';
import { CliError, EXIT } from './errors.ts';

export const DEFAULT_URL = 'http://127.0.0.1:8080';
/** Not GPUBATCH_CONFIG: that names the server's YAML file, often set in the same shell. */
export const CLI_CONFIG_VARIABLE = 'GPUBATCH_CLI_CONFIG';
export const ADMIN_TOKEN_FILE = 'admin-token';

export interface Connection {
  /** Without a trailing slash. */
  url: string;
  token?: string;
  /** Where the token came from ("--token", "GPUBATCH_TOKEN", a file's path), for the 401 hint. */
  tokenSource?: string;
  /** Every place a token is looked for, in order, for the 401 hint. */
  searched: string[];
}

interface ConfigFile {
  path: string;
  /** Whether the path was named explicitly (then it must exist). */
  explicit: boolean;
}

/** The CLI config file: GPUBATCH_CLI_CONFIG, else $XDG_CONFIG_HOME/gpubatch/config.json, else ~/.config/... */
export function configFilePath(ctx: CliContext): ConfigFile | undefined {
  const named = ctx.env[CLI_CONFIG_VARIABLE];
  if (named) return { path: resolve(ctx.cwd, named), explicit: true };
  const xdg = ctx.env['XDG_CONFIG_HOME'];
  if (xdg) return { path: join(xdg, 'gpubatch', 'config.json'), explicit: false };
  if (ctx.homeDir) return { path: join(ctx.homeDir, '.config', 'gpubatch', 'config.json'), explicit: false };
  return undefined;
}

function readConfigFile(file: ConfigFile): { url?: string; token?: string } {
  let text: string;
  try {
    text = readFileSync(file.path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !file.explicit) return {};
    throw new CliError(
      `cannot read the CLI config file ${file.path}: ${(error as Error).message}`,
      EXIT.usage,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file.path} is not valid JSON: ${(error as Error).message}`, EXIT.usage);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CliError(
      `${file.path}: expected a JSON object like {"url": "...", "token": "..."}`,
      EXIT.usage,
    );
  const config = parsed as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (key !== 'url' && key !== 'token')
      throw new CliError(`${file.path}: unknown field "${key}" (known: url, token)`, EXIT.usage);
  }
  for (const key of ['url', 'token'] as const) {
    if (config[key] !== undefined && (typeof config[key] !== 'string' || config[key] === ''))
      throw new CliError(`${file.path}: field "${key}" must be a non-empty string`, EXIT.usage);
  }
  return config as { url?: string; token?: string };
}

function normalisedUrl(raw: string, source: string): string {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return url.href.replace(/\/+$/, '');
  } catch {
    throw new CliError(`${source} is not a URL: ${raw}`, EXIT.usage);
  }
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLocalUrl(url: string): boolean {
  return LOCAL_HOSTS.has(new URL(url).hostname);
}

/** The data directory of a server started here: GPUBATCH_DATA_DIR, else ./.gpubatch (the server's default). */
export function adminTokenFile(ctx: CliContext): string {
  return join(resolve(ctx.cwd, ctx.env['GPUBATCH_DATA_DIR'] || '.gpubatch'), ADMIN_TOKEN_FILE);
}

function readTokenFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function resolveConnection(ctx: CliContext): Connection {
  const flags = ctx.flags ?? {};
  const envUrl = ctx.env['GPUBATCH_URL'];
  const envToken = ctx.env['GPUBATCH_TOKEN'];
  const file = configFilePath(ctx);
  // The file is read only when a flag or variable left something open, so a broken one does not stop them.
  const needsFile = !(flags.url || envUrl) || !(flags.token || envToken);
  const config = file && needsFile ? readConfigFile(file) : {};

  const url = flags.url
    ? normalisedUrl(flags.url, '--url')
    : envUrl
      ? normalisedUrl(envUrl, 'GPUBATCH_URL')
      : config.url
        ? normalisedUrl(config.url, `${file!.path}: url`)
        : DEFAULT_URL;

  const searched = ['--token', 'GPUBATCH_TOKEN'];
  if (file) searched.push(`${file.path} ("token")`);
  const local = isLocalUrl(url);
  const tokenFile = adminTokenFile(ctx);
  // The first-start token of a server on this machine; never sent to another host.
  searched.push(local ? tokenFile : '<data dir>/admin-token (only for a server on this machine)');

  const candidates: Array<[string | undefined, string]> = [
    [flags.token, '--token'],
    [envToken, 'GPUBATCH_TOKEN'],
    [config.token, file?.path ?? ''],
  ];
  for (const [token, source] of candidates) {
    if (token) return { url, token, tokenSource: source, searched };
  }
  const fromFile = local ? readTokenFile(tokenFile) : undefined;
  if (fromFile) return { url, token: fromFile, tokenSource: tokenFile, searched };
  return { url, searched };
}

/** Said after a 401, so the user knows where the CLI looked and what it sent. */
export function tokenHint(connection: Connection): string {
  const sent = connection.tokenSource
    ? `the token from ${connection.tokenSource} was refused (unknown or revoked)`
    : 'no token was found';
  const places = connection.searched.join(', ');
  return [
    `  ${sent}. The CLI looks for a token in: ${places}.`,
    '  An admin makes tokens with `gpubatch tokens create --role <role> --tenant <tenant>`.',
  ].join('\n');
}
