// `npm run export`: writes a model into models/<id>/ (manifest + head weights) with a threshold calibrated by eval.
import fs from 'node:fs';
import path from 'node:path';
import { builtinManifest, HeadSchema, MODELS_DIR, readManifest, writeManifest, type ModelManifest } from '../src/server/vision/models.js';
import { cli, numberOpt, required } from './lib/args.js';
import { calibrate } from './lib/calibration.js';
import { runEval } from './lib/evaluate.js';
import { modelFor, openPipeline } from './lib/pipeline.js';

const args = cli(
  "npm run export -- --id ID [--run DIR] [--pairs FILE --root DIR] [--far 1e-3]\n\nWith --run: the head trained in DIR (npm run train) over its base model becomes model ID.\nWithout --run: ID must be a base pipeline id (e.g. dlib-resnet128.chip150.flip.v1) and gets its own manifest.\nWith --pairs/--root the new model is evaluated and its threshold calibrated for --far (as npm run calibrate does);\nwithout, it inherits the base model's threshold. The server loads it with EMBEDDING_MODEL=ID.",
  {
    id: { type: 'string', help: 'model id to write (letters, digits, . _ -)' },
    run: { type: 'string', help: 'training run folder with head.json and train.json' },
    pairs: { type: 'string', help: 'pair list for the calibrating eval' },
    root: { type: 'string', help: 'image root of the pair list' },
    far: { type: 'string', help: 'target false-accept rate for the threshold', default: '1e-3' },
    'models-dir': { type: 'string', help: 'where models live', default: MODELS_DIR },
    description: { type: 'string', help: 'free text for the manifest' },
  },
);
const id = required(args.id, 'id');
const dir = args['models-dir']!;
const t0 = performance.now();
let manifest: ModelManifest;
if (args.run) {
  const run = args.run;
  for (const f of ['head.json', 'train.json']) {
    if (!fs.existsSync(path.join(run, f))) {
      process.stderr.write(`${path.join(run, f)} is missing: train first (npm run train -- --out ${run})\n`);
      process.exit(2);
    }
  }
  const head = HeadSchema.parse(JSON.parse(fs.readFileSync(path.join(run, 'head.json'), 'utf8')));
  const train = JSON.parse(fs.readFileSync(path.join(run, 'train.json'), 'utf8'));
  const base = modelFor(train.base, dir).manifest;
  if (base.head) {
    process.stderr.write(`base ${train.base} has a head itself; heads are trained over base pipelines only\n`);
    process.exit(2);
  }
  fs.mkdirSync(path.join(dir, id), { recursive: true });
  fs.writeFileSync(path.join(dir, id, 'head.json'), JSON.stringify(head));
  manifest = {
    id,
    base: base.id,
    embedder: base.embedder,
    dims: head.layers.at(-1)!.b.length,
    threshold: Number.isFinite(base.threshold) ? base.threshold : builtinManifest().threshold,
    created: new Date().toISOString(),
    head: 'head.json',
    description: args.description ?? `linear projection head over ${base.id}, triplet loss (semi-hard), ${train.steps} steps`,
    metrics: { training: { steps: train.steps, before: train.before, after: train.after, cfg: train.cfg } },
  };
} else {
  const base = modelFor(id, dir).manifest;
  if (base.head) {
    process.stderr.write(`${id} already has a head; to re-calibrate it use npm run calibrate\n`);
    process.exit(2);
  }
  const old = readManifest(id, dir);
  manifest = {
    ...base,
    threshold: old?.threshold ?? builtinManifest().threshold,
    created: new Date().toISOString(),
    description: args.description ?? old?.description ?? 'base pipeline',
  };
}
writeManifest(manifest, dir);

if (args.pairs || args.root) {
  const pipeline = await openPipeline(id, { modelsDir: dir });
  const r = await runEval({ pairsFile: required(args.pairs, 'pairs'), root: required(args.root, 'root'), pipeline });
  const far = numberOpt(args.far, 'far', 1e-3);
  const c = calibrate(r.outcomes, far);
  const { fold_thresholds: _f, ...metrics } = r.report;
  manifest = {
    ...manifest,
    threshold: Number(c.threshold.toFixed(4)),
    calibration: { ...c, pairs_file: args.pairs, at: new Date().toISOString() },
    metrics: { ...manifest.metrics, eval: { ...metrics, missed: r.missed, ms_per_face: Math.round(r.ms_per_face.mean) } },
  };
  writeManifest(manifest, dir);
  process.stdout.write(
    `eval: accuracy ${(100 * r.report.accuracy).toFixed(2)}%, AUC ${r.report.auc.toFixed(4)}, missed ${r.missed}; threshold ${manifest.threshold} (FAR ${(100 * c.far).toFixed(3)}%, TAR ${(100 * c.tar).toFixed(2)}%)\n`,
  );
}
process.stdout.write(`exported ${id} -> ${path.join(dir, id)} in ${((performance.now() - t0) / 1000).toFixed(1)}s (EMBEDDING_MODEL=${id})\n`);
