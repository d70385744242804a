// Runs CLI commands in-process with captured output, against an API from startApi or an injected fetch.
// Pass `env: api.env` (GPUBATCH_URL and the harness's admin token) to call a startApi harness; a test of
// another token passes its own GPUBATCH_TOKEN. No home directory is given, so no user config file is read,
// and GPUBATCH_DATA_DIR points nowhere unless the test sets it, so a developer's own
// ./.gpubatch/admin-token never leaks into a test.

import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { CliContext } from '../../cli/context.ts';
import { runCli } from '../../cli/main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const NO_DATA_DIR = join(tmpdir(), 'gpubatch-cli-harness-no-data-dir');

export async function gpubatch(argv: string[], context: Partial<CliContext> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    fetch: globalThis.fetch,
    isTTY: false,
    cwd: process.cwd(),
    sleep: async () => {},
    ...context,
    env: { GPUBATCH_DATA_DIR: NO_DATA_DIR, ...context.env },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}
