// The free capacity of each group of equal nodes as typed-array columns, one row per group, kept up to date as
// groups come and go: a refusal's explanation (explainColumns) reads these instead of a node per state.
import type { CapacityColumns } from './explain.ts';
import type { WorkingNode } from './working-node.ts';

export class CapacityTable implements CapacityColumns {
  count = 0;
  wholeFreeGpus = new Float64Array(64);
  largestFreeMilli = new Float64Array(64);
  cpuMilliFree = new Float64Array(64);
  memoryMiBFree = new Float64Array(64);

  /** Adds a row for a group in the node's state; returns the row. */
  add(node: WorkingNode): number {
    if (this.count === this.cpuMilliFree.length) this.#grow();
    const row = this.count++;
    this.wholeFreeGpus[row] = node.wholeFreeGpus;
    this.largestFreeMilli[row] = node.largestFreeMilli;
    this.cpuMilliFree[row] = node.cpuMilliFree;
    this.memoryMiBFree[row] = node.memoryMiBFree;
    return row;
  }

  /** Removes a row by moving the last row into it; returns the row that moved there (or -1 if none did). */
  remove(row: number): number {
    const last = --this.count;
    if (row === last) return -1;
    this.wholeFreeGpus[row] = this.wholeFreeGpus[last]!;
    this.largestFreeMilli[row] = this.largestFreeMilli[last]!;
    this.cpuMilliFree[row] = this.cpuMilliFree[last]!;
    this.memoryMiBFree[row] = this.memoryMiBFree[last]!;
    return last;
  }

  #grow(): void {
    const grown = (column: Float64Array) => {
      const next = new Float64Array(column.length * 2);
      next.set(column);
      return next;
    };
    this.wholeFreeGpus = grown(this.wholeFreeGpus);
    this.largestFreeMilli = grown(this.largestFreeMilli);
    this.cpuMilliFree = grown(this.cpuMilliFree);
    this.memoryMiBFree = grown(this.memoryMiBFree);
  }
}
