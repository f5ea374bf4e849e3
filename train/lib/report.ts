// Self-contained HTML reports with inline SVG charts (ROC, score histograms, training curves): no external resources.
import type { RocPoint } from './metrics.js';

const W = 420,
  H = 300,
  M = { l: 48, r: 12, t: 24, b: 40 };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));

export interface Series {
  name: string;
  color: string;
  points: { x: number; y: number }[];
}

/** Axes with ticks, then the caller's plot body in data coordinates through sx/sy. */
function frame(
  title: string,
  xLabel: string,
  yLabel: string,
  x: [number, number],
  y: [number, number],
  body: (sx: (v: number) => number, sy: (v: number) => number) => string,
  legend: Series[] = [],
): string {
  const pw = W - M.l - M.r,
    ph = H - M.t - M.b;
  const sx = (v: number) => M.l + ((v - x[0]) / (x[1] - x[0] || 1)) * pw;
  const sy = (v: number) => M.t + ph - ((v - y[0]) / (y[1] - y[0] || 1)) * ph;
  const ticks = (r: [number, number]) => Array.from({ length: 5 }, (_, i) => r[0] + ((r[1] - r[0]) * i) / 4);
  const xt = ticks(x)
    .map(
      (v) =>
        `<line x1="${sx(v)}" x2="${sx(v)}" y1="${M.t + ph}" y2="${M.t + ph + 4}" stroke="#444"/><text x="${sx(v)}" y="${M.t + ph + 16}" text-anchor="middle">${fmt(v)}</text>`,
    )
    .join('');
  const yt = ticks(y)
    .map(
      (v) =>
        `<line x1="${M.l - 4}" x2="${M.l}" y1="${sy(v)}" y2="${sy(v)}" stroke="#444"/><text x="${M.l - 6}" y="${sy(v) + 4}" text-anchor="end">${fmt(v)}</text>`,
    )
    .join('');
  const leg = legend
    .map(
      (s, i) =>
        `<rect x="${M.l + 8}" y="${M.t + 6 + i * 16}" width="10" height="10" fill="${s.color}"/><text x="${M.l + 22}" y="${M.t + 15 + i * 16}">${esc(s.name)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">
<text x="${W / 2}" y="15" text-anchor="middle" font-weight="bold">${esc(title)}</text>
<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>${xt}${yt}
<text x="${M.l + pw / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text>
<text transform="translate(12 ${M.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>
${body(sx, sy)}${leg}</svg>`;
}

export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const pts = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const x: [number, number] = [Math.min(...pts.map((p) => p.x), 0), Math.max(...pts.map((p) => p.x), 1)];
  const lo = Math.min(...pts.map((p) => p.y)),
    hi = Math.max(...pts.map((p) => p.y));
  const y: [number, number] = pts.length ? [lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.05 || lo + 1] : [0, 1];
  return frame(
    title,
    xLabel,
    yLabel,
    x,
    y,
    (sx, sy) =>
      series
        .map(
          (s) =>
            `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${s.points
              .filter((p) => Number.isFinite(p.y))
              .map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
              .join(' ')}"/>`,
        )
        .join(''),
    series,
  );
}

/** ROC with a log-scaled FAR axis would hide FAR = 0; a linear plot plus the TAR@FAR table in the page says both. */
export function rocChart(points: RocPoint[]): string {
  return lineChart('ROC', 'false accept rate', 'true accept rate', [{ name: 'ROC', color: '#1f77b4', points: points.map((p) => ({ x: p.far, y: p.tar })) }]);
}

/** Overlaid histograms of same-person and different-person scores (each normalised to its own count). */
export function histogramChart(same: number[], different: number[], threshold?: number, bins = 40): string {
  const all = [...same, ...different].filter(Number.isFinite);
  const lo = Math.min(...all, 0),
    hi = Math.max(...all, 1);
  const width = (hi - lo) / bins || 1;
  const hist = (xs: number[]) => {
    const h = new Array<number>(bins).fill(0);
    const fin = xs.filter(Number.isFinite);
    for (const v of fin) h[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
    return h.map((c) => c / (fin.length || 1));
  };
  const hs = hist(same),
    hd = hist(different);
  const top = Math.max(...hs, ...hd, 0.01);
  return frame(
    'Score histograms',
    'cosine similarity',
    'fraction of pairs',
    [lo, hi],
    [0, top],
    (sx, sy) => {
      const bars = (h: number[], color: string) =>
        h
          .map(
            (c, i) =>
              `<rect x="${sx(lo + i * width)}" y="${sy(c)}" width="${Math.max(sx(lo + (i + 1) * width) - sx(lo + i * width) - 1, 1)}" height="${sy(0) - sy(c)}" fill="${color}" fill-opacity="0.5"/>`,
          )
          .join('');
      const t =
        threshold !== undefined && Number.isFinite(threshold)
          ? `<line x1="${sx(threshold)}" x2="${sx(threshold)}" y1="${sy(0)}" y2="${sy(top)}" stroke="#000" stroke-dasharray="4 3"/>`
          : '';
      return bars(hd, '#d62728') + bars(hs, '#2ca02c') + t;
    },
    [
      { name: `same (${same.length})`, color: '#2ca02c', points: [] },
      { name: `different (${different.length})`, color: '#d62728', points: [] },
    ],
  );
}

export function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '<p>(none)</p>';
  const keys = Object.keys(rows[0]!);
  return `<table><tr>${keys.map((k) => `<th>${esc(k)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${keys.map((k) => `<td>${esc(String(r[k]))}</td>`).join('')}</tr>`).join('')}</table>`;
}

export function htmlPage(title: string, sections: { heading: string; html: string }[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}svg{margin:0 1em 1em 0}
</style></head><body><h1>${esc(title)}</h1>${sections.map((s) => `<h2>${esc(s.heading)}</h2>${s.html}`).join('\n')}</body></html>\n`;
}
