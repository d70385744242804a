// Cluster files: nodes CSV (`name,gpus,gpu_model,cpu_milli,memory_mib[,pool][,labels]`) and nodes YAML (a
// list of maps with the same fields). A node's GPUs all have its one model; the pool is kept as a label.
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, stringify } from 'yaml';
import type { NodeState } from '../core/types.ts';
import { type CellPlace, integerCell, labelsCell, requiredText, writeLabels } from './cells.ts';
import { parseCsv, writeCsv } from './csv.ts';
import { FormatError } from './format-error.ts';

/** The node label that holds the `pool` column. */
export const POOL_LABEL = 'pool';

const REQUIRED = ['name', 'gpus', 'gpu_model', 'cpu_milli', 'memory_mib'] as const;
const OPTIONAL = ['pool', 'labels'] as const;
type NodeColumn = (typeof REQUIRED)[number] | (typeof OPTIONAL)[number];

/** The most GPUs one node may declare: more is surely a typo. */
const MAX_GPUS_PER_NODE = 1024;

/** One field's raw text and where it was; `labels` may already be a map (YAML). */
type FieldReader = (column: NodeColumn) => { text: string; place: CellPlace; map?: Record<string, string> };

function toNode(field: FieldReader): NodeState {
  const name = requiredText(field('name').text, field('name').place);
  const gpuCount = integerCell(field('gpus').text, field('gpus').place, 0, MAX_GPUS_PER_NODE);
  const model = field('gpu_model').text;
  if (gpuCount > 0 && model === '') requiredText(model, field('gpu_model').place);
  const cpuMilli = integerCell(field('cpu_milli').text, field('cpu_milli').place, 0);
  const memoryMiB = integerCell(field('memory_mib').text, field('memory_mib').place, 0);
  const labelsField = field('labels');
  const labels = labelsField.map ?? labelsCell(labelsField.text, labelsField.place);
  const pool = field('pool');
  if (pool.text !== '') {
    if (Object.hasOwn(labels, POOL_LABEL) && labels[POOL_LABEL] !== pool.text)
      throw new FormatError(pool.place.file, pool.place.line, 'disagrees with the "pool" label', 'pool');
    labels[POOL_LABEL] = pool.text;
  }
  return {
    name,
    labels,
    gpus: Array.from({ length: gpuCount }, (_, index) => ({ index, model, freeMilli: 1000 })),
    cpuMilliTotal: cpuMilli,
    cpuMilliFree: cpuMilli,
    memoryMiBTotal: memoryMiB,
    memoryMiBFree: memoryMiB,
  };
}

function uniqueNames(nodes: NodeState[], lines: number[], file: string): NodeState[] {
  const seen = new Map<string, number>();
  nodes.forEach((node, index) => {
    const first = seen.get(node.name);
    if (first !== undefined)
      throw new FormatError(file, lines[index]!, `node "${node.name}" is also on line ${first}`, 'name');
    seen.set(node.name, lines[index]!);
  });
  return nodes;
}

export function parseNodesCsv(text: string, file: string): NodeState[] {
  const { records } = parseCsv(text, file, { required: REQUIRED, optional: OPTIONAL });
  const nodes = records.map(({ line, cells }) =>
    toNode((column) => ({ text: cells.get(column) ?? '', place: { file, line, column } })),
  );
  return uniqueNames(
    nodes,
    records.map((record) => record.line),
    file,
  );
}

/** A YAML scalar as cell text; anything else (a list, a map) is an error naming the field. */
function scalarText(node: Node | null, place: CellPlace): string {
  if (node === null) return '';
  if (!isScalar(node)) throw new FormatError(place.file, place.line, 'expected a single value', place.column);
  return node.value === null ? '' : String(node.value);
}

export function parseNodesYaml(text: string, file: string): NodeState[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const lineOf = (node: Node | null | undefined, fallback: number) =>
    node?.range ? lineCounter.linePos(node.range[0]).line : fallback;
  const [error] = document.errors;
  if (error) {
    const line = error.linePos?.[0].line ?? 1;
    throw new FormatError(file, line, `invalid YAML: ${error.message.split('\n')[0]}`);
  }
  const root = document.contents;
  if (!isSeq(root)) throw new FormatError(file, lineOf(root, 1), 'must be a list of nodes');
  const lines: number[] = [];
  const nodes = root.items.map((item) => {
    const itemLine = lineOf(item as Node, 1);
    if (!isMap(item)) throw new FormatError(file, itemLine, 'each node must be a map of fields');
    const fields = new Map<string, Node | null>();
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const keyLine = lineOf(pair.key as Node, itemLine);
      if (![...REQUIRED, ...OPTIONAL].includes(key as NodeColumn))
        throw new FormatError(
          file,
          keyLine,
          `unknown field; known: ${[...REQUIRED, ...OPTIONAL].join(', ')}`,
          key,
        );
      fields.set(key, (pair.value as Node | null) ?? null);
    }
    lines.push(itemLine);
    return toNode((column) => {
      const value = fields.get(column) ?? null;
      const place = { file, line: lineOf(value, itemLine), column };
      if (column === 'labels' && isMap(value)) {
        const map: Record<string, string> = {};
        for (const pair of value.items)
          map[scalarText(pair.key as Node, place)] = scalarText(pair.value as Node, place);
        return { text: '', place, map };
      }
      // A CPU-only node has no GPU model to name; toNode asks for one when there are GPUs.
      if (!fields.has(column) && column !== 'gpu_model' && (REQUIRED as readonly string[]).includes(column))
        throw new FormatError(file, itemLine, 'is required', column);
      return { text: scalarText(value, place).trim(), place };
    });
  });
  return uniqueNames(nodes, lines, file);
}

/** The file's format by its extension: .yaml/.yml is YAML, anything else CSV. */
export function parseNodes(text: string, file: string): NodeState[] {
  return /\.ya?ml$/i.test(file) ? parseNodesYaml(text, file) : parseNodesCsv(text, file);
}

/** What a node file says about one node: its capacity (not what is free now). */
interface NodeRow {
  name: string;
  gpus: number;
  gpuModel: string;
  cpuMilli: number;
  memoryMiB: number;
  pool: string;
  labels: Record<string, string>;
}

function toRow(node: NodeState): NodeRow {
  const models = [...new Set(node.gpus.map((gpu) => gpu.model))];
  if (models.length > 1)
    throw new Error(
      `node ${node.name} has GPUs of several models (${models.join(', ')}); a node file holds one`,
    );
  const { [POOL_LABEL]: pool = '', ...labels } = node.labels;
  return {
    name: node.name,
    gpus: node.gpus.length,
    gpuModel: models[0] ?? '',
    cpuMilli: node.cpuMilliTotal,
    memoryMiB: node.memoryMiBTotal,
    pool,
    labels,
  };
}

/** Nodes CSV; the pool and labels columns are written only when some node has one. */
export function writeNodesCsv(nodes: readonly NodeState[]): string {
  const rows = nodes.map(toRow);
  const withPool = rows.some((row) => row.pool !== '');
  const withLabels = rows.some((row) => Object.keys(row.labels).length > 0);
  const columns = [...REQUIRED, ...(withPool ? ['pool'] : []), ...(withLabels ? ['labels'] : [])];
  return writeCsv(
    columns,
    rows.map((row) => [
      row.name,
      String(row.gpus),
      row.gpuModel,
      String(row.cpuMilli),
      String(row.memoryMiB),
      ...(withPool ? [row.pool] : []),
      ...(withLabels ? [writeLabels(row.labels)] : []),
    ]),
  );
}

/** Nodes YAML: a list of maps, labels as a map. */
export function writeNodesYaml(nodes: readonly NodeState[]): string {
  const list = nodes.map(toRow).map((row) => ({
    name: row.name,
    gpus: row.gpus,
    ...(row.gpuModel === '' ? {} : { gpu_model: row.gpuModel }),
    cpu_milli: row.cpuMilli,
    memory_mib: row.memoryMiB,
    ...(row.pool === '' ? {} : { pool: row.pool }),
    ...(Object.keys(row.labels).length === 0 ? {} : { labels: row.labels }),
  }));
  return stringify(list);
}
