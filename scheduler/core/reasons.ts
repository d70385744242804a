// Reasons as sentences for users: what the job needs against the most that is free.
import type { UnschedulableReason } from './types.ts';
import { utcMinute } from './utc.ts';

export function describeReason(reason: UnschedulableReason): string {
  switch (reason.kind) {
    case 'NoNodes':
      return 'no nodes in the compute environment';
    case 'InsufficientGpus':
      return `needs ${count(reason.need, 'GPU')}, largest free on any node is ${reason.largestFree}`;
    case 'InsufficientGpuShare':
      return `needs a ${reason.needMilli}-milli share of one GPU, largest free share is ${reason.largestFreeMilli}`;
    case 'GpuModelUnavailable':
      return `needs GPU model ${either(reason.allowed)}, ${
        reason.available.length === 0 ? 'nodes have no GPUs' : `nodes have ${both(reason.available)}`
      }`;
    case 'InsufficientCpu':
      return `needs ${reason.needMilli} milli CPU, largest free on any node is ${reason.largestFreeMilli}`;
    case 'InsufficientMemory':
      return `needs ${mebibytes(reason.needMiB)} of memory, largest free on any node is ${mebibytes(reason.largestFreeMiB)}`;
    case 'GangDoesNotFit':
      return reason.label === undefined
        ? `needs ${reason.members} nodes at once, only ${reason.fitting} fit now`
        : `needs ${reason.members} nodes with the same ${reason.label}, at most ${reason.fitting} fit in any one ${reason.label} now`;
    case 'NodesReserved':
      return `the nodes that could hold it are reserved for job ${reason.forJobId}, and it is not expected to end before that job starts`;
    case 'WaitingForPreemption':
      return `waiting for ${count(reason.victims.length, 'lower-priority job')} to stop: ${reason.victims.join(', ')}`;
    case 'BudgetExhausted':
      return `BudgetExhausted: share "${reason.share}" used ${reason.usedGpuHours.toFixed(precision(reason.budgetGpuHours))} of ${reason.budgetGpuHours} GPU-hours in the last ${hours(reason.windowHours)}${
        reason.underAt === undefined ? '' : `; next capacity at ${utcMinute(reason.underAt)}`
      }`;
    case 'ComputeReservation':
      return `ComputeReservation: queue ${reason.queue} keeps ${+reason.reservedPercent.toFixed(2)}% of the capacity for shares not yet active (${count(reason.activeShares, 'active share')} with this job's)`;
  }
}

/** One decimal, or enough to show the budget's own digits (a budget of 0.001 GPU-hours). */
function precision(budget: number): number {
  const decimals = (String(budget).split('.')[1] ?? '').length;
  return Math.min(6, Math.max(1, decimals));
}

function hours(windowHours: number): string {
  return windowHours < 1 ? `${+(windowHours * 3600).toFixed(3)} s` : `${+windowHours.toFixed(3)} h`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Whole GiB when exact, MiB otherwise, so two different amounts never print the same. */
function mebibytes(mib: number): string {
  return mib >= 1024 && mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
}

function either(items: readonly string[]): string {
  return joinWith(items, 'or');
}

function both(items: readonly string[]): string {
  return joinWith(items, 'and');
}

/** "A", "A or B", "A, B or C". */
function joinWith(items: readonly string[], conjunction: string): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`;
}
