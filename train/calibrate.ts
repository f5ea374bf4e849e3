// `npm run calibrate`: the threshold for a target false-accept rate from an eval run, written into the model's manifest.
import fs from 'node:fs';
import path from 'node:path';
import { EMBEDDING_MODEL_ID } from '../src/server/vision/embedder.js';
import { builtinManifest, readManifest, writeManifest } from '../src/server/vision/models.js';
import { cli, numberOpt, required } from './lib/args.js';
import { calibrate, readScores } from './lib/calibration.js';

const args = cli(
  'npm run calibrate -- --scores data/eval/<model>/scores.tsv [--model ID] [--far 1e-3] [--dry-run]\n\nReads the scores of an eval run (npm run eval -- --model ID ... writes scores.tsv), picks the lowest threshold whose\nfalse-accept rate is at most --far, and writes it into models/<ID>/manifest.json (creating the manifest of the\nbuilt-in base model if needed). Prefer an eval over all pairs (pairs --all): many different-person pairs resolve small FARs.',
  {
    scores: { type: 'string', help: "an eval run's scores.tsv" },
    model: { type: 'string', help: 'model whose manifest gets the threshold', default: process.env.EMBEDDING_MODEL || EMBEDDING_MODEL_ID },
    far: { type: 'string', help: 'target false-accept rate per comparison', default: '1e-3' },
    'dry-run': { type: 'boolean', help: 'print, do not write' },
  },
);
const scoresFile = required(args.scores, 'scores');
if (!fs.existsSync(scoresFile)) {
  process.stderr.write(`--scores ${scoresFile} does not exist (run npm run eval first)\n`);
  process.exit(2);
}
const far = numberOpt(args.far, 'far', 1e-3);
const pairs = readScores(scoresFile);
const c = calibrate(pairs, far);
const minResolvable = c.different ? 1 / c.different : 1;
if (far < minResolvable)
  process.stderr.write(`warning: ${c.different} different-person pairs cannot resolve FAR ${far} (smallest step ${minResolvable.toExponential(1)})\n`);
process.stdout.write(
  `threshold ${c.threshold.toFixed(4)} for FAR <= ${far}: measured FAR ${(100 * c.far).toFixed(3)}%, TAR ${(100 * c.tar).toFixed(2)}% on ${c.pairs} pairs (${c.same} same)\n`,
);
if (!args['dry-run']) {
  const id = args.model!;
  const m = readManifest(id) ?? (id === EMBEDDING_MODEL_ID ? builtinManifest() : null);
  if (!m) {
    process.stderr.write(`no manifest for model ${id} in models/ (export it first)\n`);
    process.exit(1);
  }
  const file = writeManifest({
    ...m,
    threshold: Number(c.threshold.toFixed(4)),
    calibration: { ...c, scores: path.relative(process.cwd(), scoresFile), at: new Date().toISOString() },
  });
  process.stdout.write(`wrote ${file}\n`);
}
