// Deterministic pseudo-random numbers for weights, fixtures and examples: the core's seeded generator
// (one implementation, so a seed means the same sequence everywhere) plus Box-Muller normals.
import { seededRandom } from '../scheduler/core/rng.ts';

export { seededRandom };

export type Random = () => number;

/** Standard normal draws from a uniform source. */
export function normal(random: Random): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
