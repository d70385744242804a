// Small text formatters shared by the human views (times in UTC so output is the same everywhere).
import type { JobProgress } from '../scheduler/job-record.ts';

/** "2025-01-01 12:00:03Z". */
export function formatTime(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** "450ms", "12.0s", "3m 05s", "2h 10m". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

export function percent(progress: JobProgress): number {
  return progress.total > 0 ? Math.min(100, Math.floor((100 * progress.done) / progress.total)) : 0;
}

/** "[########------------]  40%  400/1000". */
export function progressBar(progress: JobProgress, width = 20): string {
  const filled = Math.round((percent(progress) / 100) * width);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
  return `[${bar}] ${String(percent(progress)).padStart(3)}%  ${progress.done}/${progress.total}`;
}

/** Left-aligned columns separated by two spaces; the first row is the header. */
export function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
