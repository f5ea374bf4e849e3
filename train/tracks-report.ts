// `npx tsx train/tracks-report.ts --clean A/result.json --all B/result.json`: writes train/results/open-set-tracks.json
// from two open-set runs of the server's model (A: `npm run eval -- --open-set --root ../shared/faces --out A`,
// B: the same with `--calibrate-on all --out B`) and regenerates docs/accuracy.md's per-track section from it.
// Without arguments, only the section is regenerated from the committed JSON.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { replaceTracksSection, tracksResults, tracksSection, type TracksResultsView } from './lib/tracks-report.js';

const JSON_OUT = 'train/results/open-set-tracks.json';
const DOC = 'docs/accuracy.md';
const { values } = parseArgs({ options: { clean: { type: 'string' }, all: { type: 'string' } } });
if (Boolean(values.clean) !== Boolean(values.all)) throw new Error('give both --clean and --all result.json files, or neither');
if (values.clean && values.all) {
  const read = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));
  fs.writeFileSync(JSON_OUT, `${JSON.stringify(tracksResults(read(values.clean), read(values.all)), null, 2)}\n`);
  process.stdout.write(`wrote ${JSON_OUT}\n`);
}
const results = JSON.parse(fs.readFileSync(JSON_OUT, 'utf8')) as TracksResultsView;
fs.writeFileSync(DOC, replaceTracksSection(fs.readFileSync(DOC, 'utf8'), tracksSection(results)));
process.stdout.write(`wrote the per-track section of ${DOC}\n`);
