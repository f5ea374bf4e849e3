// The int8 ResNet (train/quantize-int8.py), its Node side. Development time only; reads photos from a path given on
// the command line.
//   ranges  records each activation's min and max over calibration chips: the 150 px dlib chips (exposure-mended, and
//           their mirrors, as the embedder feeds the ResNet) of one identity half's photos under the eval's conditions,
//           run through the float graph that `quantize-int8.py calib-graph` wrote.
//   check   compares the int8 file with the float one on the other half's chips: the cosine between a face's two
//           embeddings (crop + mirror averaged, as the model runs), and how much the cosine between two faces moves;
//           then, from the eval's cached pass over every person (`npm run eval -- --heldout` fills data/heldout-cache),
//           the decisions of the int8 model and of the float one at their shipped thresholds on every pair of photos.
// Usage:
//   npx tsx train/int8-resnet.ts ranges --graph /tmp/resnet-calib.onnx --root ../shared/faces --half dev --out FILE
//   npx tsx train/int8-resnet.ts check --root ../shared/faces --half test [--out train/results/int8-resnet.json]
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../src/server/load-config.js';
import { createFaceAnalyzer } from '../src/server/vision/analyzer.js';
import { CHIP_SIZE } from '../src/server/vision/chip-geometry.js';
import { EMBED_ONNX_FILES } from '../src/server/vision/embed-onnx.js';
import { l2normalize, mirrorChip } from '../src/server/vision/embedder.js';
import { mendChip } from '../src/server/vision/exposure.js';
import { manifestParts, MODELS_DIR, resolveModel } from '../src/server/vision/models.js';
import { loadOrt, ORT_SESSION_OPTIONS, type OrtModule } from '../src/server/vision/ort.js';
import { partWeights } from '../src/server/vision/nets-embedder.js';
import { cli } from './lib/args.js';
import { readImageFile, walkDataset } from './lib/dataset.js';
import { degrade, type Condition, type FaceBox } from './lib/degrade.js';
import { CONDITIONS } from './lib/degrade.js';
import { identityFolds } from './lib/heldout.js';
import { EVAL_MODEL_ID, partsCacheFile } from './lib/parts.js';

const CALIBRATION_CONDITIONS: Condition[] = ['clean', 'tight', 'tight80', 'jpeg50', 'blur'];
const FLOAT_MODEL = 'fusion-resnet128-mobilefacenet192.v1';
const INT8_MODEL = 'fusion-resnet128int8-mobilefacenet192.v1';

const { _: positionals, ...values } = cli('npx tsx train/int8-resnet.ts ranges|check [options]', {
  root: { type: 'string', help: 'photo folder: <person>/<image>', default: '../shared/faces' },
  half: { type: 'string', help: 'dev or test: the identity half (seed 1, as the eval splits)', default: 'dev' },
  graph: { type: 'string', help: 'ranges: the float graph with every activation an output (quantize-int8.py calib-graph)' },
  out: { type: 'string', help: 'where to write the ranges (ranges) or the comparison (check)' },
  cache: { type: 'string', help: "check: the eval's cached embeddings of every person", default: 'data/heldout-cache' },
});

/** The 150 px chips the ResNet sees (mended, then each with its mirror) of the half's photos, per condition. */
async function chipsOfHalf(root: string, half: string): Promise<{ rel: string; condition: Condition; views: Uint8Array[] }[]> {
  const parsed = parseConfig({ TF_BACKEND: 'wasm', DETECT_MIN_CONFIDENCE: '0.5', MAX_FACES: '10', EMBED_RUNTIME: 'onnx' });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const analyzer = await createFaceAnalyzer(parsed.config, () => {}, { model: resolveModel('dlib-resnet128.chip150.crop1.25.flip.v1') });
  const people = identityFolds(walkDataset(root).people, 2, 1)[half === 'test' ? 1 : 0]!;
  const out: { rel: string; condition: Condition; views: Uint8Array[] }[] = [];
  const boxes = new Map<string, FaceBox>();
  for (const condition of CALIBRATION_CONDITIONS)
    for (const rel of people.flatMap((p) => p.images)) {
      const read = readImageFile(path.join(root, rel));
      if (!read.ok) continue;
      const bytes = await degrade(read.bytes, condition, boxes.get(rel) ?? null);
      if (!bytes) continue;
      const r = await analyzer.embedAll(bytes, 8192 * 8192);
      if (!r.ok || r.faces.length === 0) continue;
      const f = r.faces.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
      if (condition === 'clean') boxes.set(rel, f.box);
      const chip = mendChip(f.chip, CHIP_SIZE);
      out.push({ rel, condition, views: [chip, mirrorChip(chip)] });
    }
  return out;
}

function ort(): OrtModule {
  const loaded = loadOrt();
  if (!('ort' in loaded)) throw new Error(loaded.error);
  return loaded.ort;
}

async function run(o: OrtModule, session: any, views: Uint8Array[]): Promise<Record<string, Float32Array>> {
  const batch = new Uint8Array(views.length * CHIP_SIZE * CHIP_SIZE * 3);
  views.forEach((v, i) => batch.set(v, i * v.length));
  const r = await session.run({ [session.inputNames[0]]: new o.Tensor('uint8', batch, [views.length, CHIP_SIZE, CHIP_SIZE, 3]) });
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, (v as { data: Float32Array }).data]));
}

async function ranges() {
  if (!values.graph || !values.out) throw new Error('ranges needs --graph and --out');
  const o = ort();
  const session = await o.InferenceSession.create(values.graph, ORT_SESSION_OPTIONS);
  const chips = await chipsOfHalf(values.root!, values.half!);
  const found: Record<string, [number, number]> = {};
  for (const c of chips) {
    for (const [name, data] of Object.entries(await run(o, session, c.views))) {
      let [lo, hi] = found[name] ?? [Infinity, -Infinity];
      for (const x of data) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      found[name] = [lo, hi];
    }
  }
  const summary = { half: values.half, root: values.root, conditions: CALIBRATION_CONDITIONS, faces: chips.length, views: 2 * chips.length };
  fs.writeFileSync(values.out, JSON.stringify({ ...summary, ranges: found }, null, 1));
  console.log(`${Object.keys(found).length} activations over ${chips.length} faces (and mirrors) of the ${values.half} half -> ${values.out}`);
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, k) => s + x * b[k]!, 0);
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

async function check() {
  const o = ort();
  const open = (rel: string) => o.InferenceSession.create(path.join(MODELS_DIR, rel), ORT_SESSION_OPTIONS);
  const [float, int8] = await Promise.all([open(EMBED_ONNX_FILES.resnet.file), open(EMBED_ONNX_FILES['resnet-int8'].file)]);
  const chips = await chipsOfHalf(values.root!, values.half!);
  // Crop and mirror averaged, unit length: the model's ResNet part.
  const embed = async (session: unknown, views: Uint8Array[]) => {
    const d = Object.values(await run(o, session, views))[0]!;
    const n = d.length / 2;
    return l2normalize(Float32Array.from({ length: n }, (_, k) => (d[k]! + d[n + k]!) / 2));
  };
  const vf: Float32Array[] = [];
  const vq: Float32Array[] = [];
  for (const c of chips) {
    vf.push(await embed(float, c.views));
    vq.push(await embed(int8, c.views));
  }
  const same = vf.map((v, i) => dot(v, vq[i]!));
  const moved: number[] = [];
  for (const condition of CALIBRATION_CONDITIONS) {
    const idx = chips.flatMap((c, i) => (c.condition === condition ? [i] : []));
    for (let a = 0; a < idx.length; a++)
      for (let b = a + 1; b < idx.length; b++) moved.push(Math.abs(dot(vf[idx[a]!]!, vf[idx[b]!]!) - dot(vq[idx[a]!]!, vq[idx[b]!]!)));
  }
  const result = {
    fidelity_half: values.half,
    root: values.root,
    conditions: CALIBRATION_CONDITIONS,
    faces: chips.length,
    cosine_float_int8: { min: quantile(same, 0), p1: quantile(same, 0.01), median: quantile(same, 0.5) },
    pair_cosine_change: { pairs: moved.length, mean: moved.reduce((s, x) => s + x, 0) / moved.length, p99: quantile(moved, 0.99), max: quantile(moved, 1) },
  };
  const decisions = pairedDecisions();
  console.log(JSON.stringify({ ...result, decisions }, null, 1));
  Object.assign(result, { decisions });
  if (values.out) fs.writeFileSync(values.out, JSON.stringify({ generatedAt: new Date().toISOString(), ...result }, null, 2) + '\n');
}

/** A model's fused score of two photos from the cached unit vectors of its networks. */
function scorer(modelId: string): { threshold: number; score: (a: Record<string, number[]>, b: Record<string, number[]>) => number } {
  const m = resolveModel(modelId).manifest;
  const parts = manifestParts(m);
  const w = partWeights(parts);
  const cos = (x: number[], y: number[]) => x.reduce((s, v, k) => s + v * y[k]!, 0);
  return { threshold: m.threshold, score: (a, b) => parts.reduce((s, p, i) => s + w[i]! ** 2 * cos(a[p.net]!, b[p.net]!), 0) };
}

/** Every pair of photos of every person, per condition: how often each model accepts, and where they disagree. */
function pairedDecisions(): Record<string, unknown> | null {
  const [float, int8] = [scorer(FLOAT_MODEL), scorer(INT8_MODEL)];
  const out: Record<string, unknown> = { float: { model: FLOAT_MODEL, threshold: float.threshold }, int8: { model: INT8_MODEL, threshold: int8.threshold } };
  for (const condition of CONDITIONS) {
    const file = partsCacheFile(values.cache!, EVAL_MODEL_ID, condition);
    if (!fs.existsSync(file)) return null;
    const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { ok: boolean; parts?: { nets: Record<string, number[]> } }>;
    const photos = Object.entries(cached).flatMap(([rel, r]) => (r.ok && r.parts ? [{ person: rel.split('/')[0]!, nets: r.parts.nets }] : []));
    const c = {
      impostor: 0,
      same: 0,
      impostorFloat: 0,
      impostorInt8: 0,
      impostorInt8Only: 0,
      impostorFloatOnly: 0,
      sameFloat: 0,
      sameInt8: 0,
      maxScoreChange: 0,
    };
    for (let i = 0; i < photos.length; i++)
      for (let j = i + 1; j < photos.length; j++) {
        const [a, b] = [photos[i]!, photos[j]!];
        const [sf, sq] = [float.score(a.nets, b.nets), int8.score(a.nets, b.nets)];
        c.maxScoreChange = Math.max(c.maxScoreChange, Math.abs(sf - sq));
        const [af, aq] = [sf >= float.threshold, sq >= int8.threshold];
        if (a.person === b.person) {
          c.same += 1;
          c.sameFloat += +af;
          c.sameInt8 += +aq;
        } else {
          c.impostor += 1;
          c.impostorFloat += +af;
          c.impostorInt8 += +aq;
          c.impostorInt8Only += +(aq && !af);
          c.impostorFloatOnly += +(af && !aq);
        }
      }
    out[condition] = { ...c, maxScoreChange: +c.maxScoreChange.toFixed(4) };
  }
  return out;
}

const command = positionals[0];
if (command === 'ranges') await ranges();
else if (command === 'check') await check();
else {
  console.error('usage: npx tsx train/int8-resnet.ts ranges|check [--help]');
  process.exit(2);
}
