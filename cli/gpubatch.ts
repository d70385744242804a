#!/usr/bin/env node
// The `gpubatch` command: see docs/cli.md.
import { processContext } from './context.ts';
import { runCli } from './main.ts';

const code = await runCli(process.argv.slice(2), processContext());
// Only a failure sets the exit code: `up` keeps serving after it returns and may set its own.
if (code !== 0) process.exitCode = code;
