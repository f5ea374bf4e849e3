// `npx tsx train/crop-fill-report.ts [--before 1a97e95]`: docs/accuracy.md's "What the crop holds outside the photo"
// section (between its crop-fill markers), from the model comparison results committed in train/results/ now (crops
// black outside the photo) and at --before (the commit whose crops repeated the photo's edge). Same commands, same
// photos, same splits: only warpToChip's fill differs. A pure function of those files.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { replaceMarked } from './lib/doc-section.js';

type Any = any;
const DOC = 'docs/accuracy.md';
const BEGIN = '<!-- crop-fill:begin (train/crop-fill-report.ts from train/results/models-*.json, now and at --before; do not edit by hand) -->';
const END = '<!-- crop-fill:end -->';
const METHODS = ['resnet+mobilefacenet', 'edgeface-xs', 'edgeface-xxs', 'mobilefacenet', 'resnet'];

const { values } = parseArgs({ options: { before: { type: 'string', default: '1a97e95' } } });
const now = (name: string): Any => JSON.parse(fs.readFileSync(`train/results/models-${name}.json`, 'utf8'));
const then = (name: string): Any => JSON.parse(execFileSync('git', ['show', `${values.before}:train/results/models-${name}.json`], { encoding: 'utf8' }));
const pct = (x: number, d = 1) => `${(100 * x).toFixed(d)}%`;

function rows(name: string, cell: (r: Any, c: string, m: string) => number, digits: number): string[] {
  const [a, b] = [then(name), now(name)];
  const part = a.verification ? 'verification' : 'open_set';
  return Object.keys(b[part]).map((c) => `| ${c} | ${METHODS.map((m) => `${pct(cell(a, c, m), digits)} → ${pct(cell(b, c, m), digits)}`).join(' | ')} |`);
}
const head = `| condition | ${METHODS.join(' | ')} |\n|${['', ...METHODS].map(() => '---').join('|')}|`;
const fpir = (r: Any, c: string, m: string) => r.open_set[c][m].at[0].fpir;
const section = [
  BEGIN,
  '',
  `Edge repeated (\`${values.before}\`) → black (now), each cell. **Strangers named** at the threshold chosen on the clean photos of the other identity half (FPIR got, target 1%; \`npm run eval -- --open-set --root ../shared/faces\`, both halves each way):`,
  '',
  head,
  ...rows('open-set-all', fpir, 1),
  '',
  'The same on the **test half** alone (`--half test`; thresholds chosen within it, one sub-half on the other):',
  '',
  head,
  ...rows('open-set-test', fpir, 1),
  '',
  '**Enrolled people found** (DIR at FPIR 1%, same runs, all people):',
  '',
  head,
  ...rows('open-set-all', (r, c, m) => r.open_set[c][m].at[0].dir, 1),
  '',
  '**Pairs** (10-fold by identity, all people; `npm run eval -- --heldout --root ../shared/faces`):',
  '',
  head,
  ...rows('heldout-all', (r, c, m) => r.verification[c][m].accuracy, 2),
  '',
  END,
].join('\n');

fs.writeFileSync(DOC, replaceMarked(fs.readFileSync(DOC, 'utf8'), BEGIN, END, section, DOC));
process.stdout.write(`wrote the crop-fill section of ${DOC}\n`);
