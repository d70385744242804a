// Readable summaries of simulator results for the terminal (JSON goes out unchanged instead).
import type { QueueMetrics, WaitStats } from '../scheduler/sim/metrics.ts';
import { formatDuration, table } from './format.ts';

const shareName = (share: string) => (share === '' ? '(none)' : share);
const seconds = (value: number | undefined) => (value === undefined ? '-' : formatDuration(value * 1000));
const pct = (value: number) => `${value.toFixed(1)}%`;

function waitRows(title: string, waits: Record<string, WaitStats>): string[][] {
  return [
    [title, 'JOBS', 'STARTED', 'WAIT P50', 'WAIT P99'],
    ...Object.entries(waits).map(([name, stats]) => [
      shareName(name),
      String(stats.jobs),
      String(stats.started),
      seconds(stats.p50),
      seconds(stats.p99),
    ]),
  ];
}

const STOPPED: Record<QueueMetrics['stoppedBy'], string> = {
  finished: 'all jobs that can end have ended',
  horizon: 'stopped at the horizon',
  stalled:
    'stopped: the jobs still waiting can never start (they fit no node, or wait on jobs that never end)',
};

export function queueSummary(metrics: QueueMetrics, weights: Record<string, number>): string {
  const hours = Object.entries(metrics.gpuHoursByShare).map(([share, value]) => [
    shareName(share),
    value.toFixed(1),
    String(weights[share] ?? 1),
  ]);
  return [
    `policy ${metrics.policy}: ${metrics.jobs} jobs on ${metrics.clusterGpus} GPUs; ${STOPPED[metrics.stoppedBy]}`,
    `completed ${metrics.completed}, never started ${metrics.neverStarted}, preemptions ${metrics.preemptions}, cycles ${metrics.cycles}`,
    `makespan ${seconds(metrics.makespan)}, mean GPU allocation ${pct(metrics.meanAllocatedPct)}`,
    '',
    table(waitRows('QUEUE', metrics.waitByQueue)),
    '',
    table(waitRows('SHARE', metrics.waitByShare)),
    '',
    table([['SHARE', 'GPU-HOURS', 'WEIGHT'], ...hours]),
    `Jain's fairness index (GPU-hours / weight): ${metrics.jainIndex === undefined ? '-' : metrics.jainIndex.toFixed(4)}`,
    '',
  ].join('\n');
}

export interface OnlineDropSummary {
  policy: string;
  placed: number;
  dropped: number;
  finalAllocatedPct: number;
  curve: readonly { arrivedPct: number; allocatedPct: number; fragmentationPct: number }[];
}

/** One row per policy: what it placed, dropped and left allocated and fragmented at the end. */
export function onlineDropSummary(results: readonly OnlineDropSummary[]): string {
  const rows = results.map((result) => {
    const last = result.curve.at(-1);
    return [
      result.policy,
      String(result.placed),
      String(result.dropped),
      pct(result.finalAllocatedPct),
      last === undefined ? '-' : pct(last.fragmentationPct),
      last === undefined ? '-' : pct(last.arrivedPct),
    ];
  });
  const header = ['POLICY', 'PLACED', 'DROPPED', 'ALLOCATED', 'FRAGMENTED', 'ARRIVED'];
  return `${table([header, ...rows])}\n`;
}
