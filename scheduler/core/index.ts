// The scheduler core's public surface.

export { findReservation, type Release, ReservationBook } from './backfill.ts';
export {
  type BudgetExhaustion,
  nextBudgetRelease,
  type OverBudget,
  withoutOverBudget,
} from './budgets.ts';
export { distinctEmptyShapes, neverFits } from './capacity.ts';
export {
  DEFAULT_HORIZON_MS,
  DEFAULT_MAX_CYCLES,
  type EstimateOptions,
  estimateStarts,
} from './eta.ts';
export { explainUnschedulable } from './explain.ts';
export {
  accrueUsage,
  clusterCapacity,
  decayUsage,
  decayUsageByKey,
  dominantShare,
  FairShareLedger,
  fairShareKey,
  policyOfKey,
  requestUsage,
  runningDominantShares,
  type Usage,
} from './fair-share.ts';
export { FILTERS, type Filter } from './filters.ts';
export {
  type ClusterFragmentation,
  clusterFragmentation,
  type FragmentationNode,
  nodeFragmentation,
} from './fragmentation.ts';
export { createJobPlacer, type JobFit, type JobPlacer, placeJob } from './gang.ts';
export { chooseGpus, type GpuChoice } from './gpu-choice.ts';
export { comparePending, FairOrder, membersOf, orderPending } from './order.ts';
export { fewestVictims, findPreemption, outranks } from './preemption.ts';
export { describeReason } from './reasons.ts';
export { commonShape, nodesToAdd, type ScaleUpResult } from './scale-up.ts';
export {
  MAX_PREEMPTION_SEARCHES,
  MAX_RESERVATION_SEARCHES,
  type ScheduleOptions,
  schedule,
} from './schedule.ts';
export { DEFAULT_SCORER, getScorer, scorerNames } from './scorers/registry.ts';
export type { Candidate, Scorer, ScoringContext } from './scorers/scorer.ts';
export { WorkingSnapshot } from './snapshot.ts';
export { createSuggester, whatWouldHelp } from './suggestions.ts';
export * from './types.ts';
export type { ReadonlyWorkingNode, WorkingNode } from './working-node.ts';
export { GENERIC_WORKLOAD, workloadOf, workloadOfRunning } from './workload.ts';
