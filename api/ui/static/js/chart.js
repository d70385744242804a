// A stacked area chart in SVG for the samples the dashboard keeps (queue depth, GPU allocation).
import { h, svg } from './dom.js';
import { clock } from './format.js';

const PAD = { top: 12, right: 16, bottom: 26, left: 40 };

/** A round step for about `ticks` grid lines up to `max`. */
export function niceStep(max, ticks = 4) {
  const raw = Math.max(max, 1) / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return Math.max(step, 1);
}

/**
 * @param {{ samples: { t: number, values: Record<string, number>, total?: number }[], keys: string[],
 *   color: (key: string) => string, width: number, height?: number, totalLabel?: string }} options
 */
export function stackedAreaChart({ samples, keys, color, width, height = 220, totalLabel }) {
  const root = svg('svg', {
    class: 'chart',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'data-points': samples.length,
  });
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  if (samples.length < 2) {
    root.append(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle' }, 'collecting samples…'));
    return root;
  }
  const t0 = samples[0].t;
  const t1 = samples.at(-1).t;
  const sums = samples.map((s) => keys.reduce((sum, key) => sum + (s.values[key] ?? 0), 0));
  const max = Math.max(1, ...sums, ...samples.map((s) => s.total ?? 0));
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const x = (t) => PAD.left + ((t - t0) / Math.max(1, t1 - t0)) * plotW;
  const y = (v) => PAD.top + plotH - (v / top) * plotH;

  for (let v = 0; v <= top + 1e-9; v += step) {
    root.append(
      svg('line', { class: 'grid-line', x1: PAD.left, x2: PAD.left + plotW, y1: y(v), y2: y(v) }),
      svg('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, formatTick(v)),
    );
  }
  let previous;
  for (let i = 0; i <= 3; i++) {
    const t = t0 + ((t1 - t0) * i) / 3;
    const label = clock(t).slice(0, 8);
    if (label === previous) continue; // a short window: one label per second at most
    previous = label;
    const anchor = i === 0 ? 'start' : i === 3 ? 'end' : 'middle';
    root.append(svg('text', { x: x(t), y: height - 8, 'text-anchor': anchor }, label));
  }

  // Stack bottom-up in key order; draw each band as the area between its lower and upper line.
  const lower = samples.map(() => 0);
  for (const key of keys) {
    // A series that is zero throughout adds no band, and its line would only redraw the one below it.
    if (samples.every((s) => !s.values[key])) continue;
    const upper = samples.map((s, i) => lower[i] + (s.values[key] ?? 0));
    const forward = samples.map((s, i) => `${x(s.t).toFixed(1)},${y(upper[i]).toFixed(1)}`);
    const back = samples.map((s, i) => `${x(s.t).toFixed(1)},${y(lower[i]).toFixed(1)}`).reverse();
    const fill = color(key);
    root.append(
      svg('polygon', {
        points: [...forward, ...back].join(' '),
        fill,
        'fill-opacity': 0.22,
        'data-key': key,
      }),
      svg('polyline', { points: forward.join(' '), fill: 'none', stroke: fill, 'stroke-width': 1.8 }),
    );
    upper.forEach((v, i) => {
      lower[i] = v;
    });
  }
  if (samples.some((s) => s.total !== undefined)) {
    const line = samples.map((s) => `${x(s.t).toFixed(1)},${y(s.total ?? 0).toFixed(1)}`).join(' ');
    root.append(svg('polyline', { class: 'total', points: line }));
    if (totalLabel) {
      const last = samples.at(-1);
      root.append(
        svg('text', { x: PAD.left + plotW, y: y(last.total ?? 0) - 5, 'text-anchor': 'end' }, totalLabel),
      );
    }
  }
  root.append(svg('line', { class: 'axis', x1: PAD.left, x2: PAD.left + plotW, y1: y(0), y2: y(0) }));
  return root;
}

function formatTick(v) {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** A swatch and name per key. */
export function chips(keys, color) {
  return keys.map((key) => {
    const swatch = h('span', { class: 'swatch' });
    swatch.style.background = color(key);
    return h('span', { class: 'chip' }, swatch, key);
  });
}

/** A chart's legend. */
export function legend(keys, color) {
  return h('div', { class: 'legend' }, chips(keys, color));
}
