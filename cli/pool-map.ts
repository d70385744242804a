// The GPU map `gpubatch pools` prints: one line per node, one cell per GPU, with the pool's totals.
import type { ComputeEnvironmentView } from '../api/job-service.ts';

export const CELL = { used: '■', partly: '◧', free: '□' } as const;
export const LEGEND = `${CELL.used} in use  ${CELL.partly} partly in use (shared)  ${CELL.free} free`;

const cell = (usedMilli: number) => (usedMilli >= 1000 ? CELL.used : usedMilli > 0 ? CELL.partly : CELL.free);
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function wanted(ce: ComputeEnvironmentView): string {
  if (ce.nodesWanted === undefined) return '';
  if (ce.nodesWanted === null) return '; nodes wanted: unknown (no node to copy)';
  const shape = ce.nodeShape ? ` (${ce.nodeShape.gpus}x ${ce.nodeShape.gpuModel})` : '';
  return `; ${plural(ce.pendingJobs ?? 0, 'job')} waiting, ${plural(ce.nodesWanted, 'node')} wanted${shape}`;
}

/** "gpu (kubernetes, ENABLED): 2 nodes, 12 GPUs: 4 in use, 1 partly, 7 free; ..." then the node lines. */
export function poolMap(ce: ComputeEnvironmentView): string[] {
  const title = `${ce.name} (${ce.type}, ${ce.state ?? 'ENABLED'})`;
  if (!ce.gpuUse) return [`${title}: no GPU map yet (the scheduler leader has not published one)`];
  const all = ce.gpuUse.flatMap((node) => node.usedMilli);
  const used = all.filter((milli) => milli >= 1000).length;
  const free = all.filter((milli) => milli === 0).length;
  const totals = `${plural(ce.gpuUse.length, 'node')}, ${plural(all.length, 'GPU')}: ${used} in use, ${all.length - used - free} partly, ${free} free`;
  const nameWidth = Math.max(...ce.gpuUse.map((node) => node.node.length));
  const nodes = ce.gpuUse.map((node) => {
    const cells = node.usedMilli.map(cell).join(' ');
    return `  ${node.node.padEnd(nameWidth)}  ${cells}${node.unschedulable ? '  (takes no new work)' : ''}`.trimEnd();
  });
  return [`${title}: ${totals}${wanted(ce)}`, ...nodes];
}
