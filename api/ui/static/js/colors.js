// Colours for queues and shares, stable across views: names are coloured in sorted order, so the same
// set of queues always gets the same colours (a hash would let two of three queues collide).
const PALETTE = [
  '#4f7cf7',
  '#10b981',
  '#f59e0b',
  '#8b5cf6',
  '#06b6d4',
  '#ec4899',
  '#84cc16',
  '#f97316',
  '#0ea5a4',
  '#a855f7',
  '#64748b',
  '#e11d48',
];

/** A colour per name: `names` sorted, the i-th gets the i-th colour (wrapping past the palette). */
export function palette(names) {
  const sorted = [...new Set(names)].sort();
  const colours = new Map(sorted.map((name, i) => [name, PALETTE[i % PALETTE.length]]));
  return (name) => colours.get(name) ?? hashed(name);
}

function hashed(name) {
  let hash = 0;
  for (const char of String(name)) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}
