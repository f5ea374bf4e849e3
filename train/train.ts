// `npm run train`: fine-tunes a projection head over a frozen embedder with triplet loss and semi-hard mining. Resumable.
import fs from 'node:fs';
import path from 'node:path';
import { EMBEDDING_MODEL_ID } from '../src/server/vision/embedder.js';
import { loadRuntime } from '../src/server/vision/runtime.js';
import { cli, numberOpt, required } from './lib/args.js';
import { openCheckpoint } from './lib/checkpoint.js';
import { walkDataset } from './lib/dataset.js';
import { createHead } from './lib/head.js';
import { prng } from './lib/pairs.js';
import { embedAll, openPipeline, type ImageResult } from './lib/pipeline.js';
import { progress } from './lib/progress.js';
import { scoreSet, splitPeople, validationPairs } from './lib/split.js';
import { mineSemiHard, sampleBatch, squaredDistances } from './lib/triplets.js';
import { writeCurves, type HistoryRow } from './lib/curves.js';
import { applyHead, type HeadWeights } from '../src/server/vision/models.js';

const args = cli(
  "npm run train -- --root DIR [--out DIR] [--steps N] ...\n\nTrains a linear projection head (identity at step 0) over the frozen base embedder on a <person>/<image> tree with\ntriplet loss and FaceNet's semi-hard mining. People are split into train and validation sets (person-disjoint).\nEmbeddings are cached, checkpoints written every --checkpoint-every steps; rerunning the same command resumes.",
  {
    root: { type: 'string', help: 'training tree <person>/<image>' },
    out: { type: 'string', help: 'run folder', default: 'data/train/run' },
    model: { type: 'string', help: 'base embedder id', default: EMBEDDING_MODEL_ID },
    steps: { type: 'string', help: 'training steps', default: '300' },
    people: { type: 'string', help: 'people per batch', default: '16' },
    'per-person': { type: 'string', help: 'images per person per batch', default: '4' },
    margin: { type: 'string', help: 'triplet margin (squared distance of unit vectors)', default: '0.2' },
    lr: { type: 'string', help: 'Adam learning rate', default: '0.001' },
    reg: { type: 'string', help: 'weight of |W - I|^2 (keeps the head near the base)', default: '0.001' },
    'val-fraction': { type: 'string', help: 'share of people held out for validation', default: '0.3' },
    seed: { type: 'string', help: 'seed for the split, batches and mining', default: '1' },
    'eval-every': { type: 'string', help: 'validate every N steps', default: '25' },
    'checkpoint-every': { type: 'string', help: 'checkpoint every N steps', default: '50' },
    'pad-retry': { type: 'string', help: 'detector pad retry (see eval)', default: '0.25' },
    fresh: { type: 'boolean', help: 'ignore an existing checkpoint and start over' },
  },
);
const root = required(args.root, 'root');
const out = args.out!;
const n = (k: keyof typeof args, d: number) => numberOpt(args[k] as string | undefined, k, d);
const cfg = {
  root: path.resolve(root),
  model: args.model!,
  steps: n('steps', 300),
  people: n('people', 16),
  perPerson: n('per-person', 4),
  margin: n('margin', 0.2),
  lr: n('lr', 0.001),
  reg: n('reg', 0.001),
  valFraction: n('val-fraction', 0.3),
  seed: n('seed', 1),
  evalEvery: n('eval-every', 25),
  checkpointEvery: n('checkpoint-every', 50),
  padRetry: n('pad-retry', 0.25),
};
const t0 = performance.now();
fs.mkdirSync(path.join(out, 'checkpoints'), { recursive: true });

// 1. Data: split by person, embed every image once (cached in the run folder, so a resumed run embeds nothing).
const ds = walkDataset(root);
for (const p of ds.problems) process.stderr.write(`skipped ${p.path}: ${p.reason}\n`);
const split = splitPeople(ds.people, cfg.valFraction, cfg.seed);
const pipeline = await openPipeline(cfg.model, { padRetry: cfg.padRetry });
const cache = openCheckpoint<ImageResult>(path.join(out, 'embeddings.jsonl'), { model: cfg.model, padRetry: cfg.padRetry });
const all = ds.people.flatMap((p) => p.images);
const bar = progress('embed', all.length);
const results = await embedAll(pipeline, root, all, cache, () => bar.tick());
bar.done();
const missed = [...results].filter(([, r]) => !r.ok).map(([p, r]) => ({ path: p, reason: (r as { reason: string }).reason }));
for (const m of missed) process.stderr.write(`no embedding for ${m.path}: ${m.reason} (left out of training; its validation pairs count as errors)\n`);
const vec = new Map([...results].filter(([, r]) => r.ok).map(([p, r]) => [p, (r as { embedding: number[] }).embedding]));
const trainPaths = split.train.flatMap((p) => p.images.filter((i) => vec.has(i)));
const labelOf = new Map(split.train.flatMap((p, li) => p.images.map((i) => [i, li] as const)));
const labels = trainPaths.map((p) => labelOf.get(p)!);
const valPairs = validationPairs(split.val, cfg.seed);
const trainPairs = validationPairs(split.train, cfg.seed);
process.stderr.write(`train: ${split.train.length} people, ${trainPaths.length} images; validation: ${split.val.length} people, ${valPairs.length} pairs\n`);

// 2. Model, optimiser and, when a checkpoint of the same settings exists, its state.
const { tf } = await loadRuntime('wasm', () => {});
const head = createHead(tf, pipeline.dims);
const optimizer = tf.train.adam(cfg.lr);
const ckptFile = path.join(out, 'checkpoints', 'latest.json');
let step = 0;
let history: HistoryRow[] = [];
if (!args.fresh && fs.existsSync(ckptFile)) {
  const ck = JSON.parse(fs.readFileSync(ckptFile, 'utf8'));
  if (JSON.stringify(ck.cfg) === JSON.stringify(cfg)) {
    head.setWeights(ck.weights);
    await optimizer.setWeights(
      ck.optimizer.map((w: { name: string; shape: number[]; values: number[] }) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape) })),
    );
    step = ck.step;
    history = ck.history;
    process.stderr.write(`resuming from step ${step}\n`);
  } else process.stderr.write('checkpoint has other settings: starting over (use another --out to keep both)\n');
}
const rows = trainPaths.map((p) => vec.get(p)!);
const project = (w: HeadWeights) => new Map([...vec].map(([p, v]) => [p, applyHead(w, Float32Array.from(v))]));

function validate(s: number, loss: number | null, triplets: number | null) {
  const w = head.toWeights();
  const v = scoreSet(valPairs, project(w)),
    t = scoreSet(trainPairs, project(w));
  const row: HistoryRow = {
    step: s,
    loss,
    triplets,
    val_accuracy: v.report.accuracy,
    val_auc: v.report.auc,
    val_same_dist: v.distances.same,
    val_diff_dist: v.distances.different,
    train_accuracy: t.report.accuracy,
    train_same_dist: t.distances.same,
    train_diff_dist: t.distances.different,
  };
  history.push(row);
  return row;
}

async function checkpoint() {
  const opt = await optimizer.getWeights();
  const state = {
    cfg,
    step,
    weights: head.toWeights(),
    optimizer: await Promise.all(opt.map(async (w: any) => ({ name: w.name, shape: w.tensor.shape, values: Array.from(await w.tensor.data()) }))),
    history,
  };
  fs.writeFileSync(`${ckptFile}.tmp`, JSON.stringify(state));
  fs.renameSync(`${ckptFile}.tmp`, ckptFile); // atomic: a kill mid-write leaves the previous checkpoint
  fs.copyFileSync(ckptFile, path.join(out, 'checkpoints', `step-${String(step).padStart(5, '0')}.json`));
  writeCurves(out, history);
}

// 3. Training: batch, forward without gradients to mine semi-hard triplets, then one optimiser step on them.
if (step === 0 && history.length === 0) validate(0, null, null);
const trainBar = progress('train', cfg.steps);
trainBar.tick(step);
let lastLoss: number | null = null,
  lastTriplets = 0;
while (step < cfg.steps) {
  const rand = prng(cfg.seed * 1_000_003 + step); // per-step seed: a resumed run draws the same batches
  const batch = sampleBatch(labels, cfg.people, cfg.perPerson, rand);
  const xb = tf.tensor2d(batch.map((i) => rows[i]!));
  const yb = head.forward(xb);
  const triplets = mineSemiHard(
    squaredDistances(yb.arraySync() as number[][]),
    batch.map((i) => labels[i]!),
    cfg.margin,
    rand,
  );
  yb.dispose();
  xb.dispose();
  if (triplets.length > 0) {
    const [xa, xp, xn] = (['a', 'p', 'n'] as const).map((k) => tf.tensor2d(triplets.map((t) => rows[batch[t[k]]!]!)));
    const cost = optimizer.minimize(() => head.loss(xa, xp, xn, cfg.margin, cfg.reg), true, head.variables);
    lastLoss = (await cost.data())[0];
    cost.dispose();
    for (const t of [xa, xp, xn]) t!.dispose();
  }
  lastTriplets = triplets.length;
  step++;
  trainBar.tick(1, lastLoss === null ? '' : `loss ${lastLoss.toFixed(4)}`);
  if (step % cfg.evalEvery === 0 || step === cfg.steps) validate(step, lastLoss, lastTriplets);
  if (step % cfg.checkpointEvery === 0 || step === cfg.steps) await checkpoint();
}
trainBar.done();
if (history.at(-1)?.step !== step) validate(step, lastLoss, lastTriplets);
await checkpoint();

const final = head.toWeights();
fs.writeFileSync(path.join(out, 'head.json'), JSON.stringify(final));
const first = history[0]!,
  last = history.at(-1)!;
const summary = {
  base: cfg.model,
  cfg,
  steps: step,
  train_people: split.train.length,
  val_people: split.val.map((p) => p.name),
  images: all.length,
  missed,
  before: first,
  after: last,
  seconds: Math.round((performance.now() - t0) / 1000),
};
fs.writeFileSync(path.join(out, 'train.json'), `${JSON.stringify(summary, null, 2)}\n`);
const f = (x: number) => x.toFixed(4);
process.stdout.write(
  `trained ${step} steps in ${summary.seconds}s -> ${path.join(out, 'head.json')} (curves: ${path.join(out, 'curves.html')})\n` +
    `validation accuracy ${f(first.val_accuracy)} -> ${f(last.val_accuracy)}; same-person distance val ${f(first.val_same_dist)} -> ${f(last.val_same_dist)}, train ${f(first.train_same_dist)} -> ${f(last.train_same_dist)}\n` +
    `different-person distance val ${f(first.val_diff_dist)} -> ${f(last.val_diff_dist)}, train ${f(first.train_diff_dist)} -> ${f(last.train_diff_dist)}\n`,
);
