// BENCHMARKS.md's ready-time section and target row, from bench/results/ready.json (bench/ready.ts).
import type { Any } from './report-sections.js';

const fmt = (x: unknown, unit = '', digits = 1) => (typeof x === 'number' && Number.isFinite(x) ? `${+x.toFixed(digits)}${unit}` : 'n/a');
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

const run = (f: Any, faces: number, start: string): Any | undefined =>
  (f?.results?.runs as Any[] | undefined)?.find((r) => r.faces === faces && r.start === start);

/** The target: ready <= 5 s at 100k on PostgreSQL and <= 30 s at 1M, from the persisted index (the warm start). */
export function readyTargetRow(f: Any): string[] {
  const target = 'ready <= 5 s with 100k embeddings on PostgreSQL, <= 30 s with 1M (persisted index checked against the database)';
  const k100 = run(f, 100_000, 'warm');
  const m1 = run(f, 1_000_000, 'warm');
  if (!k100 && !m1) return [target, 'n/a', 'not measured'];
  const loaded = (r: Any) => r && r.rebuiltBecause === null && r.indexLoadS !== null;
  const text = [k100, m1]
    .filter(Boolean)
    .map(
      (r: Any) =>
        `${r.faces >= 1_000_000 ? `${r.faces / 1_000_000}M` : `${r.faces / 1000}k`}: ${fmt(r.readyS, ' s', 2)} (models ${fmt(r.modelsLoadS, ' s')}, index ${fmt(r.indexLoadS, ' s', 2)})`,
    )
    .join('; ');
  const ok = k100 && m1 ? loaded(k100) && loaded(m1) && k100.readyS <= 5 && m1.readyS <= 30 : null;
  return [target, text, ok === null ? 'not measured (both sizes needed)' : ok ? '**met**' : '**not met**'];
}

export function readySection(f: Any): string {
  const rows = ((f.results?.runs as Any[] | undefined) ?? []).map((r) => [
    String(r.faces),
    r.start,
    fmt(r.readyS, ' s', 2),
    fmt(r.modelsLoadS, ' s', 2),
    r.indexLoadS === null ? `rebuilt (${r.rebuiltBecause})` : `${fmt(r.indexLoadS, ' s', 2)} loaded`,
    `${r.rssMiB} MiB`,
    r.indexFileMiB === null ? 'none' : `${r.indexFileMiB} MiB`,
    fmt(r.stopS, ' s', 1),
    fmt(r.seedS, ' s', 1),
  ]);
  return [
    '## Ready time: `npm run bench -- --only ready` (bench/ready.ts)',
    '',
    `The server as \`npm start\` runs it, default settings, on PostgreSQL seeded by binary COPY with face-like vectors of the default model (${f.settings?.dims ?? '?'} dims, ${f.settings?.facesPerPerson ?? '?'} faces a person).`,
    'Ready is the spawn of the process to /ready answering 200 (polled every 200 ms). Cold: no saved index, so every embedding is read and the index built;',
    'warm: the index saved at the previous shutdown, checked against the database (the exact set of face ids of the model) and loaded.',
    'Models and gallery load at the same time: ready is the slower of the two, plus the process start.',
    '',
    table(['faces', 'start', 'ready', 'models load', 'gallery index', 'RSS at ready', 'index file', 'shutdown (saves)', 'seeding'], rows),
  ].join('\n');
}
