#!/usr/bin/env node
// The `gpubatch` command: see docs/cli.md.
import { processContext } from './context.ts';
import { runCli } from './main.ts';

// A reader that stops reading (`gpubatch events | head -1`) ends the command quietly, as it would a
// Unix tool, instead of an unhandled EPIPE with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

const code = await runCli(process.argv.slice(2), processContext());
// Only a failure sets the exit code: `up` keeps serving after it returns and may set its own.
if (code !== 0) process.exitCode = code;
