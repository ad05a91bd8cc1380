// A bar chart of ratios as a self-contained SVG (no fonts, scripts or external
// references, so it renders the same on GitHub and in a browser). Ratios are
// drawn on a log scale from the 1× line: a bar to the right means askr is
// ahead by that factor, to the left behind, and 2× ahead is as long as 2×
// behind. A black tick marks each target; a bar is green when its target is
// met, red when missed, grey when there is no target.

/** One bar. */
export interface Bar {
  label: string;
  value: number | null;
  target: number | null;
  met: boolean | null;
}

const COLORS = { met: '#2e7d32', missed: '#c62828', none: '#78909c', axis: '#455a64', grid: '#cfd8dc', text: '#212121', target: '#000000' } as const;

/** Escapes text for an SVG text node or attribute. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function tickLabel(v: number): string {
  return v >= 1 ? `${v}×` : `1/${1 / v}×`;
}

/** Renders `bars` under `title`; `note` goes under the chart (e.g. the run's date and load). */
export function barChartSvg(title: string, bars: readonly Bar[], note: string): string {
  const labelW = 360;
  const plotW = 340;
  const valueW = 90;
  const rowH = 26;
  const top = 44;
  const width = labelW + plotW + valueW + 20;
  const height = top + Math.max(1, bars.length) * rowH + 56;
  const values = bars.flatMap((b) => [b.value, b.target]).filter((v): v is number => v !== null && v > 0);
  // Whole powers of two around every value and target, at least 1/4× to 8×.
  const lo = Math.min(-2, Math.floor(Math.log2(Math.min(1, ...values))));
  const hi = Math.max(3, Math.ceil(Math.log2(Math.max(1, ...values))));
  const x = (v: number): number => labelW + ((Math.log2(Math.max(v, 2 ** lo)) - lo) / (hi - lo)) * plotW;
  const f = (n: number): string => n.toFixed(1);
  const bottom = top + bars.length * rowH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold" fill="${COLORS.text}">${escapeXml(title)}</text>`,
    `<text x="${width - 10}" y="22" text-anchor="end" fill="${COLORS.axis}">${escapeXml('log scale · black tick: target · green: met · red: missed')}</text>`,
  ];
  for (let e = lo; e <= hi; e++) {
    const gx = f(x(2 ** e));
    parts.push(`<line x1="${gx}" x2="${gx}" y1="${top - 4}" y2="${bottom + 4}" stroke="${e === 0 ? COLORS.axis : COLORS.grid}"${e === 0 ? '' : ' stroke-dasharray="2 3"'}/>`);
    parts.push(`<text x="${gx}" y="${bottom + 18}" text-anchor="middle" fill="${COLORS.axis}">${escapeXml(tickLabel(2 ** e))}</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const mid = f(y + rowH / 2 + 4);
    const color = b.met === null ? COLORS.none : b.met ? COLORS.met : COLORS.missed;
    parts.push(`<text x="${labelW - 8}" y="${mid}" text-anchor="end" fill="${COLORS.text}">${escapeXml(b.label)}</text>`);
    if (b.value !== null && b.value > 0) {
      const a = x(1);
      const z = x(b.value);
      parts.push(`<rect x="${f(Math.min(a, z))}" y="${f(y + 5)}" width="${f(Math.max(1, Math.abs(z - a)))}" height="${rowH - 10}" fill="${color}"/>`);
      parts.push(`<text x="${labelW + plotW + 10}" y="${mid}" fill="${COLORS.text}">${escapeXml(`${b.value.toFixed(2)}×`)}</text>`);
    } else {
      parts.push(`<text x="${labelW + plotW + 10}" y="${mid}" fill="${COLORS.none}">not measured</text>`);
    }
    if (b.target !== null && b.target > 0) {
      const tx = f(x(b.target));
      parts.push(`<line x1="${tx}" x2="${tx}" y1="${f(y + 2)}" y2="${f(y + rowH - 2)}" stroke="${COLORS.target}" stroke-width="2"/>`);
    }
  });
  parts.push(`<text x="10" y="${height - 12}" fill="${COLORS.axis}">${escapeXml(note)}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
