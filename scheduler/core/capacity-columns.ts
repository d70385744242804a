// The free capacity of each group of equal nodes as typed-array columns, one row per group, kept up to date as
// groups come and go: a refusal's explanation (explainColumns) reads these instead of a node per state.
import type { CapacityColumns, ModelColumns } from './explain.ts';
import { MILLI_PER_GPU } from './types.ts';
import type { ReadonlyWorkingNode } from './working-node.ts';

const INITIAL_ROWS = 64;

export class CapacityTable implements CapacityColumns {
  count = 0;
  wholeFreeGpus = new Float64Array(INITIAL_ROWS);
  largestFreeMilli = new Float64Array(INITIAL_ROWS);
  cpuMilliFree = new Float64Array(INITIAL_ROWS);
  memoryMiBFree = new Float64Array(INITIAL_ROWS);
  readonly models = new Map<string, ModelColumns>();

  /** Adds a row for a group in the node's state; returns the row. */
  add(node: ReadonlyWorkingNode): number {
    if (this.count === this.cpuMilliFree.length) this.#grow();
    const row = this.count++;
    this.wholeFreeGpus[row] = node.wholeFreeGpus;
    this.largestFreeMilli[row] = node.largestFreeMilli;
    this.cpuMilliFree[row] = node.cpuMilliFree;
    this.memoryMiBFree[row] = node.memoryMiBFree;
    for (const columns of this.models.values()) {
      columns.gpus[row] = 0;
      columns.wholeFree[row] = 0;
      columns.largestFree[row] = 0;
    }
    for (const gpu of node.gpus) {
      const columns = this.#model(gpu.model);
      columns.gpus[row]!++;
      if (gpu.freeMilli >= MILLI_PER_GPU) columns.wholeFree[row]!++;
      if (gpu.freeMilli > columns.largestFree[row]!) columns.largestFree[row] = gpu.freeMilli;
    }
    return row;
  }

  /** Removes a row by moving the last row into it; returns the row that moved there (or -1 if none did). */
  remove(row: number): number {
    const last = --this.count;
    if (row === last) return -1;
    const move = (column: Float64Array) => {
      column[row] = column[last]!;
    };
    move(this.wholeFreeGpus);
    move(this.largestFreeMilli);
    move(this.cpuMilliFree);
    move(this.memoryMiBFree);
    for (const columns of this.models.values()) {
      move(columns.gpus);
      move(columns.wholeFree);
      move(columns.largestFree);
    }
    return last;
  }

  #model(model: string): ModelColumns {
    let columns = this.models.get(model);
    if (columns === undefined) {
      const rows = this.cpuMilliFree.length;
      columns = {
        gpus: new Float64Array(rows),
        wholeFree: new Float64Array(rows),
        largestFree: new Float64Array(rows),
      };
      this.models.set(model, columns);
    }
    return columns;
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
    for (const columns of this.models.values()) {
      columns.gpus = grown(columns.gpus);
      columns.wholeFree = grown(columns.wholeFree);
      columns.largestFree = grown(columns.largestFree);
    }
  }
}
