// Dependency-free SVG line charts for the simulator: online-drop curves (allocated and fragmentation % vs
// arrived %) and queue-mode GPU allocation over time. Coordinates are rounded to 0.1 px and nothing
// depends on the clock or locale, so the same results give the same bytes.

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  label: string;
  points: readonly Point[];
  color: string;
  dashed?: boolean;
}

export interface LegendEntry {
  label: string;
  color: string;
  dashed?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Axis ranges; default from the data (y from 0). */
  xMax?: number;
  yMax?: number;
  series: readonly Series[];
  /** Default: one entry per series. */
  legend?: readonly LegendEntry[];
}

/** Colour-blind-safe (Okabe–Ito), one per policy. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

const WIDTH = 760;
const HEIGHT = 440;
const MARGIN = { left: 64, right: 200, top: 40, bottom: 52 };

const num = (value: number) => String(Math.round(value * 10) / 10);

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

const dashing = (entry: { dashed?: boolean }) => (entry.dashed ? ' stroke-dasharray="6 4"' : '');

/** A step of 1, 2 or 5 × 10^k giving about `count` ticks up to max. */
function tickStep(max: number, count: number): number {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw);
  return step ?? 10 * power;
}

function ticks(max: number): number[] {
  const step = tickStep(max, 8);
  const values: number[] = [];
  for (let i = 0; i * step <= max * (1 + 1e-9); i++) values.push(Number((i * step).toPrecision(12)));
  return values;
}

export function lineChartSvg(chart: LineChart): string {
  const all = chart.series.flatMap((series) => series.points);
  const xMax = chart.xMax ?? Math.max(1, ...all.map((p) => p.x));
  const yMax = chart.yMax ?? Math.max(1, ...all.map((p) => p.y));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + (x / xMax) * plotWidth;
  const sy = (y: number) => MARGIN.top + plotHeight - (Math.min(y, yMax) / yMax) * plotHeight;
  const bottom = MARGIN.top + plotHeight;
  const lines: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(chart.title)}</title>`, // what screen readers announce for the image
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(chart.title)}</text>`,
  ];
  for (const y of ticks(yMax)) {
    lines.push(
      `<line x1="${MARGIN.left}" y1="${num(sy(y))}" x2="${MARGIN.left + plotWidth}" y2="${num(sy(y))}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 6}" y="${num(sy(y) + 4)}" text-anchor="end">${y}</text>`,
    );
  }
  for (const x of ticks(xMax)) {
    lines.push(
      `<line x1="${num(sx(x))}" y1="${bottom}" x2="${num(sx(x))}" y2="${bottom + 5}" stroke="#333333"/>`,
      `<text x="${num(sx(x))}" y="${bottom + 18}" text-anchor="middle">${x}</text>`,
    );
  }
  lines.push(
    `<path d="M${MARGIN.left} ${MARGIN.top}V${bottom}H${MARGIN.left + plotWidth}" fill="none" stroke="#333333"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`,
  );
  for (const series of chart.series) {
    if (series.points.length === 0) continue;
    const d = series.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${num(sx(p.x))} ${num(sy(p.y))}`).join('');
    lines.push(`<path d="${d}" fill="none" stroke="${series.color}" stroke-width="2"${dashing(series)}/>`);
  }
  (chart.legend ?? chart.series).forEach((entry, i) => {
    const ly = MARGIN.top + 10 + i * 20;
    const lx = MARGIN.left + plotWidth + 14;
    lines.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 26}" y2="${ly}" stroke="${entry.color}" stroke-width="2"${dashing(entry)}/>`,
      `<text x="${lx + 32}" y="${ly + 4}">${escapeXml(entry.label)}</text>`,
    );
  });
  lines.push('</svg>');
  return `${lines.join('\n')}\n`;
}

export interface OnlineDropCurve {
  policy: string;
  curve: readonly { arrivedPct: number; allocatedPct: number; fragmentationPct: number }[];
}

/** One solid line (allocated %) and one dashed line (fragmentation %) per policy, against arrived %. */
export function onlineDropSvg(results: readonly OnlineDropCurve[]): string {
  const colors = results.map((_, i) => PALETTE[i % PALETTE.length]!);
  const series = results.flatMap(({ policy, curve }, i) => [
    { label: policy, color: colors[i]!, points: curve.map((p) => ({ x: p.arrivedPct, y: p.allocatedPct })) },
    {
      label: policy,
      color: colors[i]!,
      dashed: true,
      points: curve.map((p) => ({ x: p.arrivedPct, y: p.fragmentationPct })),
    },
  ]);
  // One entry per policy (its colour), then what solid and dashed mean.
  const legend = [
    ...results.map(({ policy }, i) => ({ label: policy, color: colors[i]! })),
    { label: 'allocated', color: '#555555' },
    { label: 'fragmented', color: '#555555', dashed: true },
  ];
  const xMax = Math.max(100, ...results.flatMap(({ curve }) => curve.map((p) => p.arrivedPct)));
  return lineChartSvg({
    title: 'Online packing: GPUs allocated and fragmented as demand arrives',
    xLabel: 'arrived GPU demand (% of cluster GPUs)',
    yLabel: '% of cluster GPUs',
    xMax,
    yMax: 100,
    series,
    legend,
  });
}

export interface AllocationCurve {
  policy: string;
  points: readonly { time: number; allocatedPct: number }[];
}

/** GPU allocation % over virtual time (hours when the run is longer than two hours), one line per policy. */
export function allocationSvg(results: readonly AllocationCurve[]): string {
  const end = Math.max(0, ...results.flatMap(({ points }) => points.map((p) => p.time)));
  const [unit, scale] = end > 7200 ? ['hours', 3600] : ['seconds', 1];
  return lineChartSvg({
    title: 'GPU allocation over time',
    xLabel: `virtual time (${unit})`,
    yLabel: 'GPUs allocated (% of cluster)',
    yMax: 100,
    series: results.map(({ policy, points }, i) => ({
      label: policy,
      color: PALETTE[i % PALETTE.length]!,
      points: points.map((p) => ({ x: p.time / scale, y: p.allocatedPct })),
    })),
  });
}
