// BENCHMARKS.md's section and target row for the soak (bench/soak.ts, issue 19) and the gallery export at scale
// (bench/export.ts), from bench/results/soak.json and export.json.
import type { Any } from './report-sections.js';

const fmt = (x: unknown, unit = '', digits = 1) => (typeof x === 'number' && Number.isFinite(x) ? `${+x.toFixed(digits)}${unit}` : 'n/a');
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const loadText = (l: Any) => (l ? `load ${fmt(l.min, '', 1)}–${fmt(l.max, '', 1)} (mean ${fmt(l.mean, '', 1)})` : 'load not recorded');

export function soakTargetRow(f: Any): string[] {
  const r = f.results;
  const s = f.settings;
  return [
    `a ${s.minutes}-minute soak with one camera and hostile traffic: RSS slope over the last ${fmt(s.fitLastMinutes, '', 0)} minutes stated, heap diff if not flat (the target is 60 minutes on a quiet machine)`,
    `RSS ${fmt(r.rssSlopeMbPerMin, ' MB/min', 3)}, main-thread heap ${fmt(r.heapSlopeMbPerMin, ' MB/min', 3)}; camera answered ${fmt(r.camera.answeredShare * 100, '%')} of its ticks, ${r.camera.stretchesWithNoAnswer} silent 10-s stretches; ${loadText(f.machine?.load)}`,
    s.minutes >= 60 && r.camera.keptAnswering ? (r.flat ? '**met** (flat)' : '**stated** (not flat: see the heap diff)') : '**not met**',
  ];
}

export function soakSection(f: Any): string {
  const r = f.results;
  const s = f.settings;
  const h = r.hostile;
  const diff = r.heapDiff;
  return [
    '## Soak: `npm run bench -- --only soak` (bench/soak.ts)',
    '',
    `A server with default settings (PGlite, its own process, the inspector on for the heap figures) for ${s.minutes} minutes; one camera streams ${s.clip} at ${s.cameraFps} fps while hostile clients connect and vanish (${h.churnConnections} connections, ${h.junkMessages} malformed, unknown or broken messages), send messages over MAX_MESSAGE_BYTES (${h.oversizedFrames}), read nothing while asking for pongs (${h.slowReaderConnections} slow readers, ${h.slowReaderPings} pings) and make bad REST calls (answers ${Object.entries(
      h.rest as Record<string, number>,
    )
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')}). Sampled every ${s.sampleEveryS} s; ${loadText(f.machine?.load)}.`,
    '',
    table(
      ['', 'value'],
      [
        [`RSS slope, last ${fmt(s.fitLastMinutes, '', 0)} min (least squares)`, fmt(r.rssSlopeMbPerMin, ' MB/min', 3)],
        ['main-thread V8 heap slope, same stretch', fmt(r.heapSlopeMbPerMin, ' MB/min', 3)],
        ['RSS first / start of fit / end / max', `${r.rssMiB.first} / ${r.rssMiB.fitStart} / ${r.rssMiB.end} / ${r.rssMiB.max} MiB`],
        ['camera ticks / answered / named', `${r.camera.ticks} / ${r.camera.answered} / ${r.camera.named}`],
        [
          'camera round trip, first and last 10 s (p50 / p95)',
          `${fmt(r.camera.rttFirstStretchMs?.p50, ' ms')} / ${fmt(r.camera.rttFirstStretchMs?.p95, ' ms')}; ${fmt(r.camera.rttLastStretchMs?.p50, ' ms')} / ${fmt(r.camera.rttLastStretchMs?.p95, ' ms')}`,
        ],
      ],
    ),
    ...(diff
      ? [
          '',
          `Heap snapshots at minute ${r.heapSnapshots.map((x: Any) => x.atMin).join(' and ')} (after a full GC each): ${diff.before.count} → ${diff.after.count} objects, ${fmt(diff.before.selfBytes / 2 ** 20, ' MiB')} → ${fmt(diff.after.selfBytes / 2 ** 20, ' MiB')}. What grew most:`,
          '',
          table(
            ['constructor', 'count', 'Δ count', 'Δ bytes'],
            (diff.grewMost as Any[])
              .slice(0, 10)
              .map((g) => [`\`${String(g.key).slice(0, 60)}\``, `${g.countBefore} → ${g.countAfter}`, String(g.countDelta), String(g.selfBytesDelta)]),
          ),
        ]
      : []),
  ].join('\n');
}

export function exportSection(f: Any): string {
  const e = f.results.export;
  const i = f.results.import;
  const cam = (c: Any) => `p50 ${fmt(c.roundTripMs.p50, ' ms')}, p95 ${fmt(c.roundTripMs.p95, ' ms')}, ${fmt(c.fps, ' fps')}`;
  return [
    '## Gallery export and import at scale: bench/export.ts',
    '',
    `A server with default settings on ${f.settings.database ?? 'PostgreSQL'} (${e.header?.people} people, ${e.header?.faces} faces), ready in ${fmt(f.settings.serverReadyS, ' s')}; one camera at ${f.settings.cameraFps} fps. ${loadText(f.machine?.load)}.`,
    '',
    table(
      ['', 'value'],
      [
        ['export: time, first byte', `${fmt(e.ms / 1000, ' s')}, ${fmt(e.firstByteMs, ' ms', 0)}`],
        [
          'export: file (gzip), complete',
          `${e.fileMiB} MiB, ${e.personLines} person lines, ${e.faces} faces, ${e.complete ? 'matches its header' : '**does not match its header**'}`,
        ],
        ['export: server RSS before / max during', `${e.serverRssBeforeMiB} / ${e.serverRssMaxMiB} MiB`],
        [
          e.camera.idleAfter ? 'camera idle before / during the export / idle after' : 'camera idle / during the export',
          [e.camera.idle, e.camera.during, e.camera.idleAfter].filter(Boolean).map(cam).join('; '),
        ],
        [`import of that file (MAX_IMPORT_BYTES ${i.maxImportMiB} MiB)`, `HTTP ${i.status} in ${fmt(i.ms / 1000, ' s')}: \`${String(i.body).slice(0, 200)}\``],
        ['import: server RSS before / max', `${i.serverRssBeforeMiB} / ${i.serverRssMaxMiB} MiB`],
      ],
    ),
  ].join('\n');
}
