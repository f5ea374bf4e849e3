// BENCHMARKS.md's sections for the two 1M-face gallery imports (issue 19): through the resumable job, the way a user
// imports (bench/gallery-import.ts → bench/results/gallery-import.json), and through the gallery service alone
// (bench/sync.ts --import-child → bench/results/import-1m.json).
import type { Any } from './report-sections.js';

const fmt = (x: unknown, unit = '', digits = 1) => (typeof x === 'number' && Number.isFinite(x) ? `${+x.toFixed(digits)}${unit}` : 'n/a');
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const loadOf = (f: Any) => {
  const l = f.machine?.load;
  return l ? `load min/mean/max ${l.min} / ${l.mean} / ${l.max}` : 'load not recorded';
};

/** Progress thinned to about one row a minute, so a stall shows as a flat stretch without printing every poll. */
function progressRows(progress: Any[], faces: number, people: number): string[][] {
  const rows: string[][] = [];
  let lastS = -Infinity;
  for (const [i, p] of progress.entries()) {
    if (p.s - lastS < 60 && i !== progress.length - 1) continue;
    lastS = p.s;
    rows.push([fmt(p.s, ' s', 0), `${p.processed}`, `${Math.round((p.processed / people) * faces)}`]);
  }
  return rows;
}

const camera = (c: Any) =>
  `p50 ${fmt(c.roundTripMs.p50, ' ms')}, p95 ${fmt(c.roundTripMs.p95, ' ms')}, max ${fmt(c.roundTripMs.max, ' ms', 0)}, longest wait ${fmt(c.longestGapMs, ' ms', 0)}, ${fmt(c.fps, ' fps')}, ${fmt(c.droppedShare * 100, '%')} dropped`;
const cameraLine = (c: Any) =>
  `One camera at 15 fps: idle ${camera(c.idle)}; during the upload and the job ${camera(c.during)}${c.idleAfter ? `; idle again after the job ${camera(c.idleAfter)}` : ''} (p95 ${fmt(c.p95Ratio, 'x', 2)} ${c.idleAfter ? 'the lower idle p95' : 'idle'}).`;

export function galleryImportJobSection(f: Any): string {
  const r = f.results;
  const s = f.settings ?? {};
  return [
    `## A ${r.faces >= 1_000_000 ? `${r.faces / 1_000_000}M` : `${r.faces / 1000}k`}-face gallery imported as a job${/pglite/i.test(s.database ?? '') ? ' on PGlite' : ''}: bench/gallery-import.ts`,
    '',
    `\`${s.command}\` on ${s.database}; ${s.server}. The file: ${s.file}, ${r.fileMiB} MiB. ${loadOf(f)}.`,
    '',
    `${r.people} people with ${r.faces} faces: uploaded (spooled to disk) in ${fmt(r.uploadMs / 1000, ' s')}, done after ${fmt(r.totalMs / 1000, ' s')} (${r.facesPerS} faces/s). Job state ${r.job?.state}, ${r.job?.accepted} faces accepted, ${r.job?.skipped} skipped; the store then held ${r.stored?.people} people and ${r.stored?.faces} faces. Server RSS ${r.serverRssBeforeMiB} MiB before, ${r.serverRssMaxMiB} MiB at peak.`,
    '',
    ...(r.camera ? [`${cameraLine(r.camera)}`, ''] : []),
    table(['since upload began', 'people processed', 'faces (at this rate a person)'], progressRows(r.progress ?? [], r.faces, r.people)),
  ].join('\n');
}

export function serviceImportSection(f: Any): string {
  const s = f.settings ?? {};
  const rows = ((f.results?.import as Any[] | undefined) ?? []).map((i) => [
    i.database,
    `${i.people}`,
    `${i.faces}`,
    fmt(i.ms / 1000, ' s'),
    `${i.facesPerS}`,
    `${i.rssBeforeMiB} → ${i.peakRssMiB} MiB`,
    `${i.summary?.peopleCreated} created, ${i.summary?.facesAdded} faces added`,
  ]);
  return [
    `## A 1M-face gallery through the gallery service alone: bench/sync.ts --import-child`,
    '',
    `\`${s.command}\`. Path: ${s.path}. ${loadOf(f)}.`,
    '',
    table(['database', 'people', 'faces', 'time', 'faces/s', 'RSS', 'stored'], rows),
  ].join('\n');
}
