// Checkpoints of a streamed inference attempt: which rows are done and how many bytes of each work file
// hold them, so the next attempt of the same job resumes at the first unfinished row. A checkpoint is a
// small JSON file beside the output, replaced atomically (temporary file, fsync, rename); it is written
// only after the work files were fsynced up to the lengths it records.
import { createHash } from 'node:crypto';
import { readFile, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from './io/atomic-write.ts';
import type { WriterState } from './io/output-writers.ts';

export const CHECKPOINT_VERSION = 1;

export interface Checkpoint {
  version: typeof CHECKPOINT_VERSION;
  jobId: string;
  /** Hash of everything the output depends on (spec, input file, model bytes, backend, batch size). */
  fingerprint: string;
  /** The attempt's rows: [start, end) of the input (a shard's slice). */
  start: number;
  end: number;
  /** First row not yet in the work files; rows [start, nextRow) are done. */
  nextRow: number;
  /** Values per output row, for the result when no batch is left to tell. */
  cols: number;
  output: WriterState;
  review?: WriterState & { rows: number };
  /** ISO time, for people reading the file. */
  savedAt: string;
}

/** The part of a checkpoint that attempts and results report. */
export interface CheckpointSummary {
  nextRow: number;
  start: number;
  end: number;
}

/** Job ids are UUIDs; anything else is reduced to file-name-safe characters. */
function safeId(jobId: string): string {
  return jobId.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** `out/.preds.npy.<job>.checkpoint.json`: hidden, and named for its job so jobs never share one. */
export function checkpointPathFor(outputPath: string, jobId: string): string {
  return join(dirname(outputPath), `.${basename(outputPath)}.${safeId(jobId)}.checkpoint.json`);
}

/** `out/.preds.npy.<job>.partial`: the bytes of `target` written so far, renamed to it at the end. */
export function workPathFor(target: string, jobId: string): string {
  return join(dirname(target), `.${basename(target)}.${safeId(jobId)}.partial`);
}

export function fingerprintOf(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * The checkpoint this attempt may resume from, or undefined (none, another job's, another fingerprint,
 * unreadable, or work files shorter than it records: then the job starts over).
 */
export async function readCheckpoint(
  path: string,
  expected: { jobId: string; fingerprint: string; start: number; end: number; workFiles: string[] },
): Promise<Checkpoint | undefined> {
  let checkpoint: Checkpoint;
  try {
    checkpoint = JSON.parse(await readFile(path, 'utf8')) as Checkpoint;
  } catch {
    return undefined;
  }
  const usable =
    checkpoint.version === CHECKPOINT_VERSION &&
    checkpoint.jobId === expected.jobId &&
    checkpoint.fingerprint === expected.fingerprint &&
    checkpoint.start === expected.start &&
    checkpoint.end === expected.end &&
    Number.isInteger(checkpoint.nextRow) &&
    checkpoint.nextRow >= checkpoint.start &&
    checkpoint.nextRow <= checkpoint.end &&
    (checkpoint.review !== undefined) === expected.workFiles.length > 1;
  if (!usable) return undefined;
  const states = [checkpoint.output, ...(checkpoint.review ? [checkpoint.review] : [])];
  for (const [index, state] of states.entries()) {
    const size = await stat(expected.workFiles[index]!).then(
      (info) => info.size,
      () => -1,
    );
    if (!Number.isInteger(state.bytes) || size < state.bytes) return undefined;
  }
  return checkpoint;
}

export function saveCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  return writeFileAtomic(path, [Buffer.from(`${JSON.stringify(checkpoint, null, 2)}\n`, 'utf8')]);
}

export async function removeCheckpoint(path: string): Promise<void> {
  await unlink(path).catch(() => {});
}
