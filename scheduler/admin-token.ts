// The first admin token: given from outside (GPUBATCH_ADMIN_TOKEN, for automation) it is stored hashed;
// otherwise, when no admin token exists yet, one is created, written to <dataDir>/admin-token (mode 0600)
// where the CLI on this machine finds it, and shown once, like a database's first-run password.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiTokenStore, EnsureOutcome } from './store/api-tokens.ts';

export const ADMIN_TOKEN_FILE = 'admin-token';
/** The tenant of the first admin token (admins see every tenant anyway). */
export const ADMIN_TENANT = 'default';

export function adminTokenPath(dataDir: string): string {
  return join(dataDir, ADMIN_TOKEN_FILE);
}

export type AdminTokenOutcome =
  | { kind: 'given'; outcome: EnsureOutcome }
  | { kind: 'created'; token: string; file: string }
  | { kind: 'exists' }
  /** Nowhere to show a new one (a scheduler process): left to the API. */
  | { kind: 'skipped' };

export async function provisionAdminToken(
  tokens: ApiTokenStore,
  options: { adminToken?: string; dataDir?: string },
): Promise<AdminTokenOutcome> {
  if (options.adminToken !== undefined) {
    const outcome = await tokens.ensure(options.adminToken, {
      role: 'admin',
      tenant: ADMIN_TENANT,
      name: 'GPUBATCH_ADMIN_TOKEN',
    });
    return { kind: 'given', outcome };
  }
  if (options.dataDir === undefined) return { kind: 'skipped' };
  const created = await tokens.createFirstAdmin(ADMIN_TENANT, 'first start');
  if (!created) return { kind: 'exists' };
  const file = adminTokenPath(options.dataDir);
  mkdirSync(options.dataDir, { recursive: true });
  writeFileSync(file, `${created.token}\n`, { mode: 0o600 });
  // writeFileSync's mode applies only to a new file; an old one keeps its own.
  chmodSync(file, 0o600);
  return { kind: 'created', token: created.token, file };
}

/** The one-time message on stdout (never through the logger, which would keep it in log storage). */
export function adminTokenBanner(token: string, file: string): string {
  const lines = [
    'gpubatch created an admin API token. It is shown this once:',
    '',
    `    ${token}`,
    '',
    `Saved to ${file} (mode 0600); the CLI on this machine uses it from there.`,
    'Elsewhere: export GPUBATCH_TOKEN=<token>. More tokens: gpubatch tokens create --role R --tenant T',
  ];
  const width = Math.max(...lines.map((line) => line.length));
  const bar = `+${'-'.repeat(width + 2)}+`;
  return [bar, ...lines.map((line) => `| ${line.padEnd(width)} |`), bar, ''].join('\n');
}
