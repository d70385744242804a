// SVG plots of simulator results: plain SVG with one line per series, the same bytes for the same input.
import test from 'ava';
import { allocationSvg, lineChartSvg, onlineDropSvg } from '../../scheduler/sim/plot.ts';

const curve = (slope: number) =>
  Array.from({ length: 120 }, (_, i) => ({
    arrivedPct: i + 1,
    allocatedPct: Math.min(100, (i + 1) * slope),
    fragmentationPct: 10 - i / 20,
  }));

test('online-drop curves: a solid allocated and a dashed fragmentation line per policy, legend by policy', (t) => {
  const svg = onlineDropSvg([
    { policy: 'best-fit', curve: curve(0.9) },
    { policy: 'fgd', curve: curve(1) },
  ]);

  t.true(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  t.true(svg.endsWith('</svg>\n'));
  t.is(svg.match(/<path d="M[^"]*" fill="none" stroke="#[0-9A-F]{6}" stroke-width="2"\/>/g)?.length, 2);
  t.is(
    svg.match(/<path d="M[^"]*" fill="none" stroke="#[0-9A-F]{6}" stroke-width="2" stroke-dasharray/g)
      ?.length,
    2,
  );
  for (const label of ['best-fit', 'fgd', 'allocated', 'fragmented'])
    t.regex(svg, new RegExp(`>${label}</text>`));
  t.regex(svg, />120<\/text>/, 'the x axis reaches the highest arrived percent');
});

test('the same results draw the same bytes', (t) => {
  const results = [{ policy: 'best-fit', curve: curve(0.9) }];

  t.is(onlineDropSvg(results), onlineDropSvg(structuredClone(results)));
});

test('queue-mode allocation is drawn against hours when the run is longer than two hours', (t) => {
  const points = Array.from({ length: 10 }, (_, i) => ({ time: i * 3600, allocatedPct: 50 }));

  t.regex(allocationSvg([{ policy: 'best-fit', points }]), />virtual time \(hours\)</);
  t.regex(allocationSvg([{ policy: 'best-fit', points: points.slice(0, 2) }]), />virtual time \(seconds\)</);
});

test('text is escaped for XML', (t) => {
  const svg = lineChartSvg({ title: 'a < b & "c"', xLabel: 'x', yLabel: 'y', series: [] });

  t.regex(svg, />a &lt; b &amp; &quot;c&quot;</);
});
