// `npx tsx train/accuracy-tables.ts`: the generated section of docs/accuracy.md (between its `generated:models` markers)
// from the eval results committed in train/results/ (`npm run eval -- --heldout|--open-set ... --half dev|test`, their
// result.json copied there). A pure function of those files: edit the runs, not the tables.
import fs from 'node:fs';
import path from 'node:path';

type Any = any;
const DIR = 'train/results';
const DOC = 'docs/accuracy.md';
const BEGIN = '<!-- generated:models begin (train/accuracy-tables.ts from train/results/*.json; do not edit by hand) -->';
const END = '<!-- generated:models end -->';

const read = (name: string): Any | null =>
  fs.existsSync(path.join(DIR, `${name}.json`)) ? JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8')) : null;
const pct = (x: unknown, d = 2) => (typeof x === 'number' ? `${(100 * x).toFixed(d)}%` : 'n/a');
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** Columns of the tables: today's default first, then the candidates from cheapest up, then the re-embedded galleries. */
export const COLUMNS = [
  'resnet+mobilefacenet',
  'edgeface-xxs',
  'edgeface-xs',
  'edgeface-xxs+mobilefacenet',
  'edgeface-xs+mobilefacenet',
  'edgeface-xxs+resnet',
  'edgeface-xs+resnet',
  'resnet',
  'edgeface-xs@regallery',
  'edgeface-xxs@regallery',
  'resnet+mobilefacenet@regallery',
];

function verificationTable(r: Any, chosen: string): string {
  const conds = Object.keys(r.verification);
  const cols = COLUMNS.filter((m) => r.verification[conds[0]!]?.[m]);
  const best = (c: string) => Math.max(...cols.filter((m) => !m.includes('@')).map((m) => r.verification[c][m].accuracy));
  return table(
    ['condition', ...cols.map((m) => (m === chosen ? `**${m}**` : m)), 'missed faces'],
    conds.map((c) => [
      c,
      ...cols.map((m) => {
        const f = r.verification[c][m];
        const s = `${pct(f.accuracy)} (${f.auc.toFixed(4)}, ${pct(f['tar_at_far_1e-3'], 1)})`;
        return f.accuracy === best(c) && !m.includes('@') ? `**${s}**` : s;
      }),
      String(r.missed?.[c] ?? 'n/a'),
    ]),
  );
}

function openSetTable(r: Any, chosen: string): string {
  const conds = Object.keys(r.open_set);
  const cols = COLUMNS.filter((m) => r.open_set[conds[0]!]?.[m]);
  return table(
    ['condition', ...cols.map((m) => (m === chosen ? `**${m}**` : m))],
    conds.map((c) => [
      c,
      ...cols.map((m) => {
        const f = r.open_set[c][m];
        return `${pct(f.at[0].dir, 1)} / ${pct(f.at[0].fpir, 2)} (r1 ${pct(f.rank1, 1)})`;
      }),
    ]),
  );
}

export function renderSection(): string {
  const choice = read('choice');
  const chosen: string = choice?.method ?? '';
  const out: string[] = [BEGIN, ''];
  for (const [half, what] of [
    ['dev', 'the half the choice was made on'],
    ['test', 'the other half, which chose nothing: **the held-out figures**'],
    ['all', 'all 55 people, 10-fold by identity (as the tables below; the dev people are in it)'],
  ] as const) {
    const v = read(`heldout-${half}`);
    if (v) {
      out.push(
        `### Verification, ${half} half: ${what}`,
        '',
        `\`npm run eval -- --heldout --root /work/shared/faces${half === 'all' ? '' : ` --half ${half}`}\`: ${v.people} people, ${v.images} photos, ${v.protocol}. Balanced accuracy (AUC, TAR at FAR 0.1%); bold: the best single model or fusion in the row.`,
        '',
        verificationTable(v, chosen),
        '',
      );
    }
    const o = read(`open-set-${half}`);
    if (o) {
      out.push(
        `### Open set, ${half} half`,
        '',
        `\`npm run eval -- --open-set --root /work/shared/faces${half === 'all' ? '' : ` --half ${half}`}\`: ${o.people} people, ${o.protocol}. DIR / FPIR at the threshold for FPIR 1% chosen on the other sub-half's clean probes (rank-1).`,
        '',
        openSetTable(o, chosen),
        '',
      );
    }
  }
  if (choice) out.push('### The choice', '', ...choice.notes.map((n: string) => `* ${n}`), '');
  out.push(END);
  return out.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve('train/accuracy-tables.ts')) {
  const doc = fs.readFileSync(DOC, 'utf8');
  const a = doc.indexOf(BEGIN),
    b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${DOC} has no generated:models markers`);
  fs.writeFileSync(DOC, doc.slice(0, a) + renderSection() + doc.slice(b + END.length));
  process.stdout.write(`wrote the generated section of ${DOC} from ${DIR}\n`);
}
