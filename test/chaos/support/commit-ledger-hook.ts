// The chaos tests' side-effect counter, loaded into each runner process with NODE_OPTIONS=--import (no
// test hook in the product): every output a runner commits (the rename of writeFileAtomic) is appended to
// the ledger file named by GPUBATCH_CHAOS_LEDGER as "<jobId> <attempt> <output>", with the attempt the
// runner was running then. Appends of one short line are atomic, so concurrent runners do not interleave.
// Inert in any process without an IPC channel (the service itself) or without the variable.
import { appendFileSync } from 'node:fs';
import fsPromises from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import type { ParentMessage } from '../../../runner/protocol.ts';

const ledger = process.env.GPUBATCH_CHAOS_LEDGER;

if (ledger && process.send) {
  let current = '- -';
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'run') current = `${message.request.jobId} ${message.request.attempt}`;
  });
  const rename = fsPromises.rename;
  fsPromises.rename = async (from, to) => {
    await rename(from, to);
    appendFileSync(ledger, `${current} ${String(to)}\n`);
  };
  syncBuiltinESMExports(); // so `import { rename } from 'node:fs/promises'` sees the counting one
}
