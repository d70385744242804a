// Reads the ledger that commit-ledger-hook.ts appends to in the runner processes.
import { existsSync, readFileSync } from 'node:fs';

export interface LedgerEntry {
  jobId: string;
  attempt: number;
  output: string;
}

export function readLedger(path: string): LedgerEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [jobId, attempt, ...output] = line.split(' ');
      return { jobId: jobId!, attempt: Number(attempt), output: output.join(' ') };
    });
}
