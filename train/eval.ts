// `npm run eval -- --pairs FILE --root DIR [--model ID] [--json]`: LFW-protocol verification of an embedding model on a pair list.
// --heldout / --open-set / --gates: the evaluations over a <person>/<image> tree (train/lib/*-cli.ts).
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_EMBEDDING_MODEL } from '../src/server/config.js';
import { cli, numberOpt, required } from './lib/args.js';
import { runEval, toRocScored } from './lib/evaluate.js';
import { roc } from './lib/metrics.js';
import { openPipeline } from './lib/pipeline.js';
import { histogramChart, htmlPage, rocChart, table } from './lib/report.js';

const args = cli(
  'npm run eval -- --pairs FILE --root DIR [--model ID] [--json]\n\nReads LFW pairs.txt or TSV (pathA<TAB>pathB<TAB>1|0), embeds each image once, and reports 10-fold accuracy\n(threshold chosen on the other nine folds), ROC AUC, TAR at FAR 1e-2 and 1e-3, EER, the best threshold and the faces missed\n(each missed face makes its pairs errors). Writes report.html, scores.tsv and result.json to --out.',
  {
    pairs: { type: 'string', help: 'pair list (LFW pairs.txt or TSV)' },
    root: { type: 'string', help: 'folder the pair paths are relative to' },
    model: {
      type: 'string',
      help: "model id: one in models/, a base variant id, or human-faceres1024 (default: the server's, EMBEDDING_MODEL or its default)",
      default: process.env.EMBEDDING_MODEL || DEFAULT_EMBEDDING_MODEL,
    },
    json: { type: 'boolean', help: 'print one JSON object as the last line' },
    out: { type: 'string', help: 'report folder (default data/eval/<model>)' },
    'pad-retry': { type: 'string', help: 'pad fraction for a second detection when none is found (0 = off)', default: '0.25' },
    'min-confidence': { type: 'string', help: 'detector confidence (default 0.5; --gates: 0.3, to see faces below the server floor)' },
    folds: { type: 'string', help: 'folds for the accuracy', default: '10' },
    'models-dir': { type: 'string', help: 'where models live (default models/)' },
    cache: { type: 'boolean', help: 'reuse embeddings cached in data/train-cache (resumable)', default: true },
    heldout: {
      type: 'boolean',
      help: 'no pair list: k-fold by identity over --root, per degradation, every network alone and fused (--model: whose threshold and z constants are printed)',
    },
    half: { type: 'string', help: "held-out/open-set: only the 'dev' or the 'test' half of the identities (split seed 1): choose on dev, report on test" },
    methods: {
      type: 'string',
      help: 'held-out/open-set: methods to score, comma-separated (default: every network alone, the pairs, and the re-embedded galleries)',
    },
    'open-set': { type: 'boolean', help: 'no pair list: open-set identification over --root with the server gallery rule (rank-1, DIR at FPIR 1% and 0.1%)' },
    conditions: { type: 'string', help: 'held-out/open-set: degradations, comma-separated (default all: clean,tight,tight112,tight80,jpeg50,blur)' },
    seed: { type: 'string', help: 'held-out/open-set: identity split seed', default: '1' },
    k: { type: 'string', help: 'open-set: images a person enrolled', default: '3' },
    'stranger-share': { type: 'string', help: 'open-set: share of identities left out as strangers', default: '0.3' },
    repeats: { type: 'string', help: 'open-set: gallery/stranger draws per half', default: '10' },
    'calibrate-on': { type: 'string', help: "open-set: choose the threshold on 'clean' probes or on 'all' conditions pooled", default: 'clean' },
    'clean-gallery': { type: 'boolean', help: 'open-set: enrol from the clean photos, probe with the degraded ones (default: both degraded)' },
    gates: {
      type: 'boolean',
      help: "no pair list: each enrolment gate's cost curve over --root (identities split in halves), the value it should have, the exposure mend",
    },
    mend: { type: 'boolean', help: 'gates: measure the exposure mend too', default: true },
    docs: { type: 'string', help: 'gates: the doc whose generated section is replaced ("" = none)', default: 'docs/accuracy.md' },
  },
);

if (args.gates) {
  const { runGatesCli } = await import('./lib/gates-cli.js');
  // The server's default model unless one is named: re-run after the default changes and the gates follow it.
  const model = process.argv.some((x) => x.startsWith('--model')) || process.env.EMBEDDING_MODEL ? args.model! : DEFAULT_EMBEDDING_MODEL;
  const { lines, summary } = await runGatesCli({
    root: required(args.root, 'root'),
    model,
    seed: numberOpt(args.seed, 'seed', 1),
    minConfidence: numberOpt(args['min-confidence'], 'min-confidence', 0.3),
    padRetry: numberOpt(args['pad-retry'], 'pad-retry', 0.25),
    out: args.out ?? path.join('train', 'results', `gates.${model}.json`),
    docs: args.docs || null,
    cacheDir: args.cache ? path.join('data', 'gates-cache') : undefined,
    mend: Boolean(args.mend),
  });
  process.stdout.write(
    `${lines.join('\n')}\n${args.json ? `${JSON.stringify({ gates: summary.gates.map((g) => ({ setting: g.setting, chosen: g.chosen })) })}\n` : ''}`,
  );
  process.exit(0);
}

if (args.heldout || args['open-set']) {
  const { parseConditions, runHeldoutCli } = await import('./lib/heldout-cli.js');
  const root = required(args.root, 'root');
  const openSetMode = Boolean(args['open-set']);
  const model = args.model!;
  const half = args.half;
  if (half !== undefined && half !== 'dev' && half !== 'test') throw new Error(`--half must be dev or test, not ${JSON.stringify(half)}`);
  const { lines, summary } = await runHeldoutCli({
    root,
    model,
    openSet: openSetMode,
    folds: numberOpt(args.folds, 'folds', 10),
    seed: numberOpt(args.seed, 'seed', 1),
    conditions: parseConditions(args.conditions),
    k: numberOpt(args.k, 'k', 3),
    strangerShare: numberOpt(args['stranger-share'], 'stranger-share', 0.3),
    repeats: numberOpt(args.repeats, 'repeats', 10),
    cleanGallery: Boolean(args['clean-gallery']),
    half,
    calibrateOn: args['calibrate-on'] === 'all' ? 'all' : 'clean',
    methods: args.methods ? args.methods.split(',').map((m) => m.trim()) : undefined,
    out:
      args.out ??
      path.join(
        'data',
        'eval',
        `${model}-${openSetMode ? (args['clean-gallery'] ? 'open-set-clean-gallery' : args['calibrate-on'] === 'all' ? 'open-set-calibrate-all' : 'open-set') : 'heldout'}${half ? `-${half}` : ''}`,
      ),
    cacheDir: args.cache ? path.join('data', 'heldout-cache') : undefined,
    padRetry: numberOpt(args['pad-retry'], 'pad-retry', 0.25),
  });
  process.stdout.write(`${lines.join('\n')}\n${JSON.stringify(summary)}\n`);
  process.exit(0);
}

const pairsFile = required(args.pairs, 'pairs');
const root = required(args.root, 'root');
for (const [what, p] of [
  ['--pairs', pairsFile],
  ['--root', root],
] as const) {
  if (!fs.existsSync(p)) {
    process.stderr.write(`${what} ${p} does not exist\n`);
    process.exit(2);
  }
}
const t0 = performance.now();
const padRetry = numberOpt(args['pad-retry'], 'pad-retry', 0.25),
  minConfidence = numberOpt(args['min-confidence'], 'min-confidence', 0.5);
const pipeline = await openPipeline(args.model!, { padRetry, minConfidence, modelsDir: args['models-dir'] });
// The cache key names every setting that changes which faces are found.
// A model from another models folder may reuse an id: no cache then.
const cacheDir = args.cache && !args['models-dir'] ? path.join('data', 'train-cache', `pad${padRetry}-conf${minConfidence}`) : undefined;
const r = await runEval({ pairsFile, root, pipeline, cacheDir, folds: numberOpt(args.folds, 'folds', 10) });
const rep = r.report;
const out = args.out ?? path.join('data', 'eval', pipeline.id);
fs.mkdirSync(out, { recursive: true });

const scored = r.outcomes.map(toRocScored);
const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
fs.writeFileSync(
  path.join(out, 'scores.tsv'),
  `line\ta\tb\tsame\tscore\treason\n${r.outcomes.map((o) => `${o.line}\t${o.a}\t${o.b}\t${o.same ? 1 : 0}\t${o.score ?? ''}\t${o.reason ?? ''}`).join('\n')}\n`,
);
const summary = {
  model: r.model,
  pairs_file: pairsFile,
  root,
  ...rep,
  missed: r.missed,
  missed_pairs: r.missed_pairs,
  bad_lines: r.badLines.length,
  images: r.images,
  ms_per_face: Math.round(r.ms_per_face.mean),
  ms_per_face_median: Math.round(r.ms_per_face.median),
  pad_retry: padRetry,
  min_confidence: minConfidence,
  seconds: Math.round((performance.now() - t0) / 100) / 10,
};
fs.writeFileSync(path.join(out, 'result.json'), `${JSON.stringify({ ...summary, missed_images: r.missedImages, bad_line_reasons: r.badLines }, null, 2)}\n`);
fs.writeFileSync(
  path.join(out, 'report.html'),
  htmlPage(`eval: ${r.model}`, [
    {
      heading: 'Summary',
      html: table([
        {
          accuracy: `${pct(rep.accuracy)} ± ${pct(rep.accuracy_std)}`,
          auc: rep.auc.toFixed(4),
          'TAR@FAR=1e-2': pct(rep['tar_at_far_1e-2']),
          'TAR@FAR=1e-3': pct(rep['tar_at_far_1e-3']),
          EER: pct(rep.eer),
          threshold: rep.threshold.toFixed(4),
          pairs: `${rep.pairs} (${rep.same} same)`,
          missed: r.missed,
        },
      ]),
    },
    {
      heading: 'Curves',
      html:
        rocChart(roc(scored)) +
        histogramChart(
          r.outcomes.filter((o) => o.same && o.score !== null).map((o) => o.score!),
          r.outcomes.filter((o) => !o.same && o.score !== null).map((o) => o.score!),
          rep.threshold,
        ),
    },
    { heading: "Faces missed (each one's pairs count as errors)", html: table(r.missedImages) },
    { heading: 'Unreadable pair lines (not in the denominator: they name no pair)', html: table(r.badLines) },
  ]),
);

const lines = [
  `model        ${r.model}`,
  `pairs        ${rep.pairs} (${rep.same} same, ${rep.different} different) from ${r.images} images; ${r.badLines.length} unreadable lines`,
  `accuracy     ${pct(rep.accuracy)} ± ${pct(rep.accuracy_std)} (${args.folds}-fold, threshold from the other folds)`,
  `AUC          ${rep.auc.toFixed(4)}`,
  `TAR@FAR=1%   ${pct(rep['tar_at_far_1e-2'])}   TAR@FAR=0.1% ${pct(rep['tar_at_far_1e-3'])}   EER ${pct(rep.eer)}`,
  `threshold    ${rep.threshold.toFixed(4)} (best on all pairs: ${pct(rep.best_accuracy)})`,
  `missed       ${r.missed} images -> ${r.missed_pairs} pairs counted as errors`,
  ...r.missedImages.map((m) => `  - ${m.path}: ${m.reason}`),
  ...r.badLines.map((b) => `  - line ${b.line}: ${b.reason}`),
  `ms per face  ${summary.ms_per_face} mean, ${summary.ms_per_face_median} median (detect + align + embed, whole image)`,
  `report       ${path.join(out, 'report.html')}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
if (args.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
