// The simulator's file formats, parsed from and written to strings (no file system here): cluster files
// (nodes CSV or YAML) and traces (jobs CSV). Bad input throws a FormatError naming file, line and column.
export { FormatError } from './format-error.ts';
export { parseJobsCsv, writeJobsCsv } from './job-format.ts';
export {
  POOL_LABEL,
  parseNodes,
  parseNodesCsv,
  parseNodesYaml,
  writeNodesCsv,
  writeNodesYaml,
} from './node-format.ts';
