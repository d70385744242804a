// Resident memory of other processes, read from /proc (Linux), for tests that bound a child's memory.
import { readdir, readFile } from 'node:fs/promises';

/** The direct children of a process (all its threads' children), as pids. */
export async function childPids(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(
    tasks.map((task) => readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')),
  );
  return [...new Set(lists.flatMap((list) => list.split(' ').filter(Boolean).map(Number)))];
}

/** The process's command line as one string ('' once it has gone). */
export async function commandLine(pid: number): Promise<string> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return raw.split('\0').join(' ').trim();
}

export interface ResidentMemory {
  /** VmRSS: resident now. */
  rssMiB: number;
  /** VmHWM: the peak resident so far, which no sampling interval can miss. */
  peakMiB: number;
}

/** The process's resident memory now and at its peak, or undefined once it has gone. */
export async function residentMemory(pid: number): Promise<ResidentMemory | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status ?? '')?.[1]);
  if (status === undefined || Number.isNaN(kib('VmRSS'))) return undefined;
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}
