// A small line-chart writer for the benchmark report: enough SVG for a few series on linear or
// log axes, so the results need no charting library and stay readable as text in the repo.

export interface Series {
  name: string;
  points: Array<[number, number]>;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  series: Series[];
  /** Optional horizontal reference lines, e.g. a goal. */
  rules?: Array<{ y: number; label: string }>;
}

const WIDTH = 720;
const HEIGHT = 420;
const PAD = { left: 80, right: 170, top: 40, bottom: 56 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const ticks: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) ticks.push(10 ** e);
    return ticks;
  }
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / 5));
  const unit = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 6) ?? step * 10;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / unit) * unit; t <= hi + unit / 2; t += unit) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function formatTick(value: number): string {
  if (value >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (value >= 1e3) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}

export function lineChart(spec: ChartSpec): string {
  const points = spec.series.flatMap((s) => s.points).filter(([x, y]) => (!spec.xLog || x > 0) && (!spec.yLog || y > 0));
  const ruleYs = (spec.rules ?? []).map((r) => r.y);
  const xs = points.map((p) => p[0]);
  const ys = [...points.map((p) => p[1]), ...ruleYs];
  const xTicks = niceTicks(Math.min(...xs, spec.xLog ? Infinity : 0), Math.max(...xs, spec.xLog ? 1 : 1), spec.xLog ?? false);
  const yTicks = niceTicks(spec.yLog ? Math.min(...ys) : 0, Math.max(...ys, 1e-9), spec.yLog ?? false);
  const [x0, x1] = [xTicks[0]!, xTicks[xTicks.length - 1]!];
  const [y0, y1] = [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const scale = (v: number, lo: number, hi: number, log: boolean): number =>
    log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo) || 1) : (v - lo) / (hi - lo || 1);
  const px = (x: number): number => PAD.left + scale(x, x0, x1, spec.xLog ?? false) * (WIDTH - PAD.left - PAD.right);
  const py = (y: number): number => HEIGHT - PAD.bottom - scale(y, y0, y1, spec.yLog ?? false) * (HEIGHT - PAD.top - PAD.bottom);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  out.push(`<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${escape(spec.title)}</text>`);
  for (const t of xTicks) {
    out.push(`<line x1="${px(t).toFixed(1)}" y1="${PAD.top}" x2="${px(t).toFixed(1)}" y2="${HEIGHT - PAD.bottom}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${px(t).toFixed(1)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  for (const t of yTicks) {
    out.push(`<line x1="${PAD.left}" y1="${py(t).toFixed(1)}" x2="${WIDTH - PAD.right}" y2="${py(t).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${formatTick(t)}</text>`);
  }
  out.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${WIDTH - PAD.left - PAD.right}" height="${HEIGHT - PAD.top - PAD.bottom}" fill="none" stroke="#555"/>`);
  out.push(`<text x="${(PAD.left + WIDTH - PAD.right) / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escape(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${(PAD.top + HEIGHT - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(spec.yLabel)}</text>`);
  for (const rule of spec.rules ?? []) {
    out.push(`<line x1="${PAD.left}" y1="${py(rule.y).toFixed(1)}" x2="${WIDTH - PAD.right}" y2="${py(rule.y).toFixed(1)}" stroke="#999" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${WIDTH - PAD.right - 4}" y="${(py(rule.y) - 4).toFixed(1)}" text-anchor="end" fill="#666">${escape(rule.label)}</text>`);
  }
  spec.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const usable = series.points.filter(([x, y]) => (!spec.xLog || x > 0) && (!spec.yLog || y > 0));
    if (usable.length > 0) {
      const path = usable.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
      out.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
      if (usable.length <= 12) for (const [x, y] of usable) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3.5" fill="${colour}"/>`);
    }
    const ly = PAD.top + 14 + i * 20;
    out.push(`<line x1="${WIDTH - PAD.right + 12}" y1="${ly - 4}" x2="${WIDTH - PAD.right + 32}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${WIDTH - PAD.right + 38}" y="${ly}">${escape(series.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
