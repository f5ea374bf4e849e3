// BENCHMARKS.md's section and target rows for two servers following each other, and big gallery imports, from
// bench/results/sync.json (bench/sync.ts, issue 19).
import type { Any } from './report-sections.js';

const fmt = (x: unknown, unit = '', digits = 1) => (typeof x === 'number' && Number.isFinite(x) ? `${+x.toFixed(digits)}${unit}` : 'n/a');
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const OPS: [string, string][] = [
  ['enrol', 'enrolment (a new person)'],
  ['rename', 'rename'],
  ['merge', 'merge'],
  ['deletePerson', 'delete a person'],
];

/** Issue 19's targets, at the gallery size measured (the target itself is 1M faces). */
export function syncTargetRows(f: Any | undefined): string[][] {
  const r = f?.results;
  const follow = r?.follow;
  const worst = follow ? Math.max(...OPS.map(([k]) => follow.lagMs[k]?.max ?? Infinity)) : NaN;
  const rows: string[][] = [
    [
      `two servers on one PostgreSQL: a change on one searchable or gone on the other within 200 ms, no full reload (measured at ${follow ? `${follow.faces / 1000}k` : '?'} faces; the target is 1M)`,
      follow
        ? `${OPS.map(([k, name]) => `${name} p95 ${fmt(follow.lagMs[k]?.p95, ' ms')}`).join(', ')}; worst ${fmt(worst, ' ms')}; full reloads ${follow.fullReloadsOnB}, index builds ${follow.indexBuildsOnBDuringRounds}`
        : 'n/a',
      follow ? (worst <= 200 && follow.fullReloadsOnB === 0 && follow.indexBuildsOnBDuringRounds === 0 ? '**met**' : '**not met**') : 'not measured',
    ],
  ];
  const m = follow?.missed;
  if (m)
    rows.push([
      'a server that missed notifications converges from the change log, not a rebuild',
      `${m.changesMissed} changes missed: converged after ${fmt(m.convergedAfterMs, ' ms', 0)} (${m.by}), ${m.changesAppliedOnB} applied, ${m.fullReloadsOnB} full reloads`,
      m.fullReloadsOnB === 0 ? '**met**' : '**not met**',
    ]);
  for (const i of (r?.import as Any[] | undefined) ?? []) {
    rows.push([
      `a gallery of ${i.people} people${i.faces && i.faces !== i.people ? ` (${i.faces} faces)` : ' (one face each)'} can be imported (${i.database})`,
      `${fmt(i.ms / 1000, ' s')}, peak RSS ${i.peakRssMiB} MiB, ${i.summary.peopleCreated} people created`,
      i.summary.peopleCreated === i.people ? '**met**' : '**not met**',
    ]);
  }
  return rows;
}

export function syncSection(f: Any): string {
  const r = f.results;
  const follow = r.follow;
  const s = f.settings ?? {};
  return [
    `## Two servers${(r.import ?? []).length ? ' and big imports' : ''} at ${follow.faces / 1000}k faces: bench/sync.ts${follow.faces === 100_000 ? ' (`npm run bench -- --only sync`)' : ''}`,
    '',
    `Two servers (store, gallery with the default index, PostgreSQL bus and gallery service each, in one process) on one PostgreSQL seeded with ${follow.faces} face-like vectors of ${s.model} (${s.dims} dims, ${s.facesPerPerson} a person).`,
    `Each of ${follow.rounds} rounds makes every change on A and times it from the call on A until B's index answers accordingly (polled every event-loop turn); B follows the change log.`,
    ...(s.seeding ? [`Seeding: ${s.seeding}.`] : []),
    `B applied ${follow.changesAppliedOnB} changes with ${follow.fullReloadsOnB} full reloads and ${follow.indexBuildsOnBDuringRounds} index builds; one full reload of B's index at this size, what each of these changes used to cost B, took ${fmt(follow.fullReloadMs / 1000, ' s', 2)}.`,
    '',
    table(
      ['change on A', 'p50', 'p95', 'max', ...(follow.writeOnAMs ? ['of which the write on A, p50 / p95'] : [])],
      OPS.map(([k, name]) => [
        name,
        fmt(follow.lagMs[k]?.p50, ' ms'),
        fmt(follow.lagMs[k]?.p95, ' ms'),
        fmt(follow.lagMs[k]?.max, ' ms'),
        ...(follow.writeOnAMs ? [`${fmt(follow.writeOnAMs[k]?.p50)} / ${fmt(follow.writeOnAMs[k]?.p95, ' ms')}`] : []),
      ]),
    ),
    ...(follow.missed
      ? [
          '',
          `Missed notifications: B heard nothing while A made ${follow.missed.changesMissed} changes (enrolments, renames, merges, deletions); left to itself, B had every one searchable or gone ${fmt(follow.missed.convergedAfterMs, ' ms', 0)} later, by ${follow.missed.by}, with ${follow.missed.fullReloadsOnB} full reloads. The bench process (both servers) peaked at ${follow.peakRssMiB} MiB RSS.`,
        ]
      : []),
    ...((r.import ?? []).length ? importPart(r, s) : []),
  ].join('\n');
}

function importPart(r: Any, s: Any): string[] {
  return [
    '',
    `Gallery import of ${s.importPeople} one-face people through the gallery service (as POST /api/v1/gallery/import after reading the file; no crops), ${s.importBatchPeople} people a transaction, each in a process of its own; PostgreSQL with its default lock table (one lock per person, as before, ran out at ~12,700 people).`,
    '',
    table(
      ['database', 'people', 'took', 'people/s', 'RSS before', 'peak RSS'],
      ((r.import as Any[]) ?? []).map((i) => [
        i.database,
        String(i.people),
        fmt(i.ms / 1000, ' s'),
        String(i.peoplePerS),
        `${i.rssBeforeMiB} MiB`,
        `${i.peakRssMiB} MiB`,
      ]),
    ),
  ];
}
