// The scheduler core's public surface.
export { neverFits } from './capacity.ts';
export { explainUnschedulable } from './explain.ts';
export { FILTERS, type Filter } from './filters.ts';
export { chooseGpus, type GpuChoice } from './gpu-choice.ts';
export { comparePending, orderPending } from './order.ts';
export { describeReason } from './reasons.ts';
export { type ScheduleOptions, schedule } from './schedule.ts';
export { DEFAULT_SCORER, getScorer, scorerNames } from './scorers/registry.ts';
export type { Candidate, Scorer } from './scorers/scorer.ts';
export { WorkingSnapshot } from './snapshot.ts';
export * from './types.ts';
export type { ReadonlyWorkingNode, WorkingNode } from './working-node.ts';
