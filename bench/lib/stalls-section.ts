// BENCHMARKS.md's section and target rows for "one slow thing never stalls the rest" (issue 19), from
// bench/results/stalls.json (bench/stalls.ts): one camera's round-trip p95 idle and during a flood, then idle and
// during a gallery import, each pair measured back to back in one run.
import type { Any } from './report-sections.js';

const fmt = (x: unknown, unit = '', digits = 1) => (typeof x === 'number' && Number.isFinite(x) ? `${+x.toFixed(digits)}${unit}` : 'n/a');
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const verdict = (ratio: unknown, max: number) => (typeof ratio === 'number' ? (ratio <= max ? '**met**' : '**not met**') : 'not measured');

export function stallsTargetRows(f: Any | undefined): string[][] {
  const r = f?.results;
  const max = f?.targets?.floodP95Ratio ?? 1.5;
  const clients = f?.settings?.flood?.clients ?? 5;
  const people = f?.settings?.import?.people;
  return [
    [
      `a flooding client cannot raise another camera's p95 by more than 50% (${clients} clients flooding pings and frames, reading slowly)`,
      r
        ? `${fmt(r.flood.p95Ratio, 'x', 2)}: p95 ${fmt(r.flood.idle.roundTripMs.p95, ' ms')} alone, ${fmt(r.flood.flooded.roundTripMs.p95, ' ms')} flooded`
        : 'n/a',
      verdict(r?.flood.p95Ratio, max),
    ],
    [
      `live cameras keep their round trip during a gallery import: p95 within 1.5x of idle (${people ?? '?'} one-face people through REST; the target is 1M faces)`,
      r
        ? `${fmt(r.import.p95Ratio, 'x', 2)}: p95 ${fmt(r.import.idle.roundTripMs.p95, ' ms')} idle, ${fmt(r.import.importing.roundTripMs.p95, ' ms')} importing`
        : 'n/a',
      verdict(r?.import.p95Ratio, f?.targets?.importP95Ratio ?? 1.5),
    ],
    ...(r?.importJob
      ? [
          [
            `live cameras keep their round trip during a gallery import job: p95 within 1.5x of idle (${f.settings?.importJob?.people ?? '?'} one-face people through POST /api/v1/imports/gallery; the target is 1M faces)`,
            `${fmt(r.importJob.p95Ratio, 'x', 2)}: p95 ${fmt(r.importJob.idle.roundTripMs.p95, ' ms')} idle, ${fmt(r.importJob.importing.roundTripMs.p95, ' ms')} importing`,
            verdict(r.importJob.p95Ratio, f?.targets?.importP95Ratio ?? 1.5),
          ],
        ]
      : []),
  ];
}

const load = (x: unknown) => (Array.isArray(x) ? x.join(' / ') : 'n/a');
const row = (name: string, p: Any) => [
  name,
  fmt(p.fps, ' fps', 2),
  fmt(p.roundTripMs.p50, ' ms'),
  fmt(p.roundTripMs.p95, ' ms'),
  fmt(p.roundTripMs.max, ' ms'),
  String(p.answered),
  load(p.loadavg),
];

export function stallsSection(f: Any): string {
  const r = f.results;
  const s = f.settings ?? {};
  const fl = r.flood.flooders ?? {};
  const req = r.import.request ?? {};
  return [
    '## One slow thing never stalls the rest: `npm run bench -- --only stalls` (bench/stalls.ts)',
    '',
    `One camera streams ${s.cameraFps} fps (${s.seconds} s a phase) to a fresh server with default settings. Flood: ${s.flood?.clients} clients in a process of their own send ${s.flood?.sends} and read slowly (${s.flood?.reads}); a client the server cuts off connects again.`,
    `Import: ${s.import?.people} one-face people, ${s.import?.via}. Each disturbed phase follows its own idle phase on the same camera; the load average (1, 5, 15 min) is read at the end of each phase.`,
    '',
    table(
      ['phase', 'answered fps', 'round trip p50', 'p95', 'max', 'frames', 'load at its end'],
      [
        row('alone', r.flood.idle),
        row('5 clients flooding', r.flood.flooded),
        row('idle again', r.import.idle),
        row('gallery import (REST)', r.import.importing),
        ...(r.importJob ? [row('idle again', r.importJob.idle), row('gallery import (job)', r.importJob.importing)] : []),
      ],
    ),
    '',
    `Flood: p95 ${fmt(r.flood.p95Ratio, 'x', 2)} of alone; the flooders tried ${fl.connects ?? '?'} connections, sent ${fl.pings ?? '?'} pings and ${fl.frames ?? '?'} frames, were closed by the server ${JSON.stringify(fl.closedByServer ?? {})} (by close code) and refused ${JSON.stringify(fl.refusedUpgrades ?? {})} upgrades (by HTTP status).`,
    `Import: p95 ${fmt(r.import.p95Ratio, 'x', 2)} of idle; the request answered ${req.status ?? '?'} in ${fmt(req.seconds, ' s')} (${fmt(req.fileMiB, ' MiB', 2)} gzip).`,
    ...(r.importJob
      ? [
          `Import job (${s.importJob?.via ?? 'POST /api/v1/imports/gallery'}): p95 ${fmt(r.importJob.p95Ratio, 'x', 2)} of idle; the job ended ${r.importJob.job?.state ?? '?'} with ${r.importJob.job?.accepted ?? '?'} faces accepted in ${fmt(r.importJob.job?.seconds, ' s')} (${fmt(r.importJob.job?.fileMiB, ' MiB', 2)} gzip).`,
        ]
      : []),
    `Server RSS at the end: ${fmt(r.serverRssMiB, ' MiB', 0)}.`,
  ].join('\n');
}
