// Runs the real `gpubatch` binary on a pseudo-terminal (util-linux `script`), so it sees a TTY as a user's shell.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const GPUBATCH = fileURLToPath(new URL('../../cli/gpubatch.ts', import.meta.url));

const shellQuote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

export interface TtyRun {
  code: number;
  /** Everything the terminal received, with the terminal's \r\n turned back into \n. */
  output: string;
}

/** Whether this machine can make a pseudo-terminal this way (tests skip otherwise). */
export const hasScript = await new Promise<boolean>((resolve) =>
  execFile('script', ['--version'], (error) => resolve(error === null)),
);

export function gpubatchOnTty(argv: string[], env: Record<string, string>): Promise<TtyRun> {
  const command = [process.execPath, GPUBATCH, ...argv].map(shellQuote).join(' ');
  const { NO_COLOR: _, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    execFile(
      'script',
      ['-qefc', command, '/dev/null'],
      { env: { ...inherited, ...env }, timeout: 30_000 },
      (error, stdout) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({
          code: typeof error?.code === 'number' ? error.code : 0,
          output: stdout.replaceAll('\r\n', '\n'),
        });
      },
    );
  });
}
