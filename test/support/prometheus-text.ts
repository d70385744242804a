// A strict reader of the Prometheus text exposition format (0.0.4), for tests: it throws on anything
// promtool would reject that we can meet here (bad names, a sample before its TYPE, a counter without
// _total, histogram series without _bucket/_sum/_count, unparsable values), and returns the samples.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, MetricType>;
  help: Map<string, string>;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function parseExposition(text: string): Exposition {
  const types = new Map<string, MetricType>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('the exposition must end with a newline');
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    if (line === '') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name: ${where}`);
      if (kind === 'HELP') help.set(name, rest);
      else {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest))
          throw new Error(`unknown type: ${where}`);
        if (types.has(name)) throw new Error(`second TYPE for ${name}: ${where}`);
        types.set(name, rest as MetricType);
      }
      return;
    }
    if (line.startsWith('#')) return;
    const sample = parseSample(line, where);
    const family = familyOf(sample.name, types);
    if (family === undefined) throw new Error(`sample before its TYPE: ${where}`);
    samples.push(sample);
  });
  for (const [name, type] of types) {
    if (type === 'counter' && !name.endsWith('_total')) throw new Error(`counter ${name} must end in _total`);
    if (type === 'histogram') {
      const own = samples.filter((s) => familyOf(s.name, types) === name);
      for (const s of own) {
        if (!/_(bucket|sum|count)$/.test(s.name)) throw new Error(`histogram ${name} has series ${s.name}`);
        if (s.name.endsWith('_bucket') && s.labels.le === undefined) throw new Error(`${s.name} without le`);
      }
    }
  }
  return { types, help, samples };
}

/** The value of the one sample with this name whose labels include `labels`; undefined when none. */
export function sampleValue(
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const matches = exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (matches.length > 1)
    throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value;
}

function familyOf(sampleName: string, types: Map<string, MetricType>): string | undefined {
  if (types.has(sampleName)) return sampleName;
  const base = sampleName.replace(/_(bucket|sum|count)$/, '');
  const type = types.get(base);
  return type === 'histogram' || type === 'summary' ? base : undefined;
}

function parseSample(line: string, where: string): Sample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$/.exec(line);
  if (!match) throw new Error(`unparsable sample: ${where}`);
  const [, name, , body, raw] = match as unknown as [string, string, string, string | undefined, string];
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw);
  if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`bad value: ${where}`);
  return { name, labels: body ? parseLabels(body, where) : {}, value };
}

function parseLabels(body: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pair = /([^=,]+)="((?:[^"\\]|\\.)*)"(,|$)/y;
  while (pair.lastIndex < body.length) {
    const at = pair.lastIndex;
    const match = pair.exec(body);
    if (!match || match.index !== at) throw new Error(`bad labels: ${where}`);
    const [, name, value] = match as unknown as [string, string, string];
    if (!LABEL_NAME.test(name) || name.startsWith('__'))
      throw new Error(`invalid label name ${name}: ${where}`);
    if (name in labels) throw new Error(`label ${name} twice: ${where}`);
    labels[name] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}
