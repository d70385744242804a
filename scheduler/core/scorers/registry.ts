// Scorers by name: a compute environment names its policy; new scorers are added here.
import { bestFit } from './best-fit.ts';
import type { Scorer } from './scorer.ts';

export const DEFAULT_SCORER = 'best-fit';

const SCORERS: Readonly<Record<string, Scorer>> = {
  'best-fit': bestFit,
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
