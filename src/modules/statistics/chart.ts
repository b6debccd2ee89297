// A small server-rendered SVG bar chart (occupancy % per centre, with the 100 % line), so that
// the dashboard needs no charting library and no JavaScript. Accessible: role="img" with a
// <title> and <desc>, a <title> on every bar, and the data table beside it on the page. Colours
// are presentation attributes, not style attributes (the Content-Security-Policy forbids inline
// styles).

export interface Bar {
  /** Short label drawn beside the bar (the centre's code). */
  label: string;
  /** Longer text for the bar's tooltip and screen readers (the centre's name). */
  name: string;
  /** Percent; null draws no bar and the `missing` text instead. */
  value: number | null;
}

export interface ChartText {
  title: string;
  desc: string;
  /** Text for a bar without value, e.g. "sin capacidad". */
  missing: string;
  /** Formats a rate for people (language-aware, one decimal). */
  percent: (n: number) => string;
  /** Formats an axis tick (whole percent). */
  tick?: (n: number) => string;
}

const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const chartColours = { under: '#1d70b8', over: '#d4351c', axis: '#505a5f', reference: '#0b0c0c', text: '#0b0c0c' } as const;

/** The axis maximum: at least 100 %, rounded up to the next 50. */
export function axisMax(values: readonly (number | null)[]): number {
  const top = Math.max(100, ...values.filter((v): v is number => v !== null));
  return Math.ceil(top / 50) * 50;
}

/** A horizontal bar chart of percentages with a reference line at 100 %. */
export function occupancyBarChart(bars: readonly Bar[], text: ChartText, opts: { id?: string; width?: number } = {}): string {
  const id = opts.id ?? 'occupancy-chart';
  const width = opts.width ?? 760;
  const labelWidth = 80;
  const valueWidth = 110;
  const rowHeight = 24;
  const top = 28;
  const bottom = 8;
  const plotWidth = width - labelWidth - valueWidth;
  const max = axisMax(bars.map((b) => b.value));
  const x = (v: number) => labelWidth + (Math.min(v, max) / max) * plotWidth;
  const height = top + Math.max(1, bars.length) * rowHeight + bottom;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="custodia-chart" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" font-size="13">`,
    `<title id="${id}-title">${escapeXml(text.title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(text.desc)}</desc>`,
  );
  // Grid: 0, every 50 %, and the 100 % reference line drawn over the bars.
  for (let v = 0; v <= max; v += 50) {
    parts.push(`<line x1="${x(v).toFixed(1)}" y1="${top - 6}" x2="${x(v).toFixed(1)}" y2="${height - bottom}" stroke="${chartColours.axis}" stroke-width="${v === 0 ? 1 : 0.5}"${v === 0 ? '' : ' stroke-dasharray="2 3"'}/>`);
    parts.push(`<text x="${x(v).toFixed(1)}" y="${top - 10}" text-anchor="middle" fill="${chartColours.text}">${escapeXml((text.tick ?? text.percent)(v))}</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * rowHeight;
    const tip = b.value === null ? `${b.label} – ${b.name}: ${text.missing}` : `${b.label} – ${b.name}: ${text.percent(b.value)}`;
    parts.push(`<g><title>${escapeXml(tip)}</title>`);
    parts.push(`<text x="${labelWidth - 8}" y="${y + rowHeight / 2 + 4}" text-anchor="end" fill="${chartColours.text}">${escapeXml(b.label)}</text>`);
    if (b.value !== null) {
      const w = Math.max(0, x(b.value) - labelWidth);
      parts.push(`<rect x="${labelWidth}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="${b.value > 100 ? chartColours.over : chartColours.under}"/>`);
      parts.push(`<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + rowHeight / 2 + 4}" fill="${chartColours.text}">${escapeXml(text.percent(b.value))}</text>`);
    } else {
      parts.push(`<text x="${labelWidth + 6}" y="${y + rowHeight / 2 + 4}" fill="${chartColours.axis}">${escapeXml(text.missing)}</text>`);
    }
    parts.push('</g>');
  });
  parts.push(`<line x1="${x(100).toFixed(1)}" y1="${top - 6}" x2="${x(100).toFixed(1)}" y2="${height - bottom}" stroke="${chartColours.reference}" stroke-width="2"/>`);
  parts.push('</svg>');
  return parts.join('');
}
