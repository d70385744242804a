// Runs CLI commands in-process with captured output, against an API from startApi or an injected fetch.

import type { CliContext } from '../../cli/context.ts';
import { runCli } from '../../cli/main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function gpubatch(argv: string[], context: Partial<CliContext> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    fetch: globalThis.fetch,
    env: {},
    isTTY: false,
    cwd: process.cwd(),
    sleep: async () => {},
    ...context,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}
