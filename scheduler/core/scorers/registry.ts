// Scorers by name: a compute environment names its policy; new scorers are added here.
import { bestFit } from './best-fit.ts';
import { dotProduct } from './dot-product.ts';
import { fgd } from './fgd.ts';
import { fgdBalanced } from './fgd-balanced.ts';
import { withCpuOnlyBound } from './fgd-bounds.ts';
import { fgdModelAware } from './fgd-model-aware.ts';
import { fgdSos } from './fgd-sos.ts';
import { random } from './random.ts';
import type { Scorer } from './scorer.ts';
import { spread } from './spread.ts';

/** The fragmentation-aware policy measured best on the packing benchmark (docs/scheduler-core.md). */
export const DEFAULT_SCORER = 'fgd-sos';

const SCORERS: Readonly<Record<string, Scorer>> = {
  'best-fit': bestFit,
  spread,
  'dot-product': dotProduct,
  fgd: withCpuOnlyBound(fgd, false),
  random,
  'fgd-model-aware': withCpuOnlyBound(fgdModelAware, true),
  'fgd-balanced': withCpuOnlyBound(fgdBalanced, true),
  // The share-gap term is 0 for a job that asks for no GPU: fgd-balanced's CPU-only bound holds.
  'fgd-sos': withCpuOnlyBound(fgdSos, true),
};

export function scorerNames(): string[] {
  return Object.keys(SCORERS).sort();
}

/** Throws for an unknown name: that is a configuration error, which config validation should catch first. */
export function getScorer(name: string): Scorer {
  const scorer = Object.hasOwn(SCORERS, name) ? SCORERS[name] : undefined;
  if (scorer === undefined) throw new Error(`unknown scorer "${name}"; known: ${scorerNames().join(', ')}`);
  return scorer;
}
