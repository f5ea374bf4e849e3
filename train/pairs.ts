// `npm run pairs`: balanced, seeded evaluation pairs from a `<person>/<image>` tree, as LFW pairs.txt and TSV.
import fs from 'node:fs';
import path from 'node:path';
import { cli, numberOpt, required } from './lib/args.js';
import { walkDataset } from './lib/dataset.js';
import { generateAllPairs, generatePairs, toLfw, toTsv } from './lib/pairs.js';

const args = cli(
  'npm run pairs -- --root DIR --out PREFIX [--seed N] [--folds 10] [--per-fold N] [--all]\n\nWrites PREFIX.txt (LFW pairs.txt: folds x (N same, N different)) and PREFIX.tsv (pathA<TAB>pathB<TAB>1|0).\nWith --all: every pair of the tree, shuffled (unbalanced), TSV only.',
  {
    root: { type: 'string', help: 'dataset root (<person>/<image>; folders starting with _ and video/ are skipped)' },
    out: { type: 'string', help: 'output prefix' },
    seed: { type: 'string', help: 'PRNG seed', default: '1' },
    folds: { type: 'string', help: 'sets in the LFW file', default: '10' },
    'per-fold': { type: 'string', help: 'same pairs per set (as many as the data allows when omitted)' },
    all: { type: 'boolean', help: 'all pairs instead of a balanced sample' },
  },
);
const root = required(args.root, 'root');
const out = required(args.out, 'out');
const ds = walkDataset(root);
for (const p of ds.problems) process.stderr.write(`skipped ${p.path}: ${p.reason}\n`);
fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
const seed = numberOpt(args.seed, 'seed', 1),
  folds = numberOpt(args.folds, 'folds', 10);
if (args.all) {
  const pairs = generateAllPairs(ds.people, seed);
  fs.writeFileSync(`${out}.tsv`, toTsv(pairs));
  process.stdout.write(
    `${pairs.length} pairs (${pairs.filter((p) => p.same).length} same) from ${ds.imageCount} images of ${ds.people.length} people -> ${out}.tsv\n`,
  );
} else {
  const perFold = args['per-fold'] === undefined ? undefined : numberOpt(args['per-fold'], 'per-fold', 0);
  const g = generatePairs(ds.people, { seed, folds, perFold });
  if (g.perFold === 0) {
    process.stderr.write(`not enough same-person pairs for ${folds} folds (${g.available.same} available)\n`);
    process.exit(1);
  }
  fs.writeFileSync(`${out}.tsv`, toTsv(g.pairs));
  fs.writeFileSync(`${out}.txt`, toLfw(g.pairs, folds, g.perFold, ds.people));
  process.stdout.write(
    `${g.pairs.length} pairs: ${folds} folds x (${g.perFold} same + ${g.perFold} different), seed ${seed}; ${g.available.same} same pairs available; ${ds.imageCount} images of ${ds.people.length} people; ${ds.problems.length} problems -> ${out}.txt, ${out}.tsv\n`,
  );
}
