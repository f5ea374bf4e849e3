// How sure BlazeFace is of small faces, and what the face mesh says of each box: the measurement LIVE_DETECT_FLOOR was
// chosen on (docs/accuracy.md, "Small faces the detector is unsure of"). For each photo of the chosen half, its tight80
// and tight112 crops (train/lib/degrade.ts) are put on the left of a 640x480 frame of grey sensor noise, alone and
// beside another person's photo fitted into 300x440 on the right, as bench/heldout-client.ts builds its scenes. Every
// BlazeFace candidate from 0.2 up is counted by score band: on the crop ("tile"), on the other photo, or elsewhere
// (false), and whether the face mesh confirms it at DETECT_MIN_CONFIDENCE.
// Usage: npx tsx train/detector-floor.ts --root ../shared/faces [--half dev|test|all] [--out train/results/detector-floor-dev.json]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { parseConfig } from '../src/server/load-config.js';
import { createFaceAnalyzer } from '../src/server/vision/analyzer.js';
import { loadBlazeFaceOnnx } from '../src/server/vision/blazeface-onnx.js';
import { decodeImage } from '../src/server/vision/decode.js';
import { loadOnnxFaceMesh } from '../src/server/vision/face-mesh-onnx.js';
import { BLAZEFACE_MODEL } from '../src/server/vision/live-detector.js';
import { MODELS_DIR } from '../src/server/vision/models.js';
import { loadOrt } from '../src/server/vision/ort.js';
import { walkDataset } from './lib/dataset.js';
import { degrade } from './lib/degrade.js';
import { identityFolds } from './lib/heldout.js';

const { values } = parseArgs({ options: { root: { type: 'string' }, half: { type: 'string', default: 'dev' }, out: { type: 'string' } } });
if (!values.root) throw new Error('usage: npx tsx train/detector-floor.ts --root <folder of person folders> [--half dev|test|all]');
const root = path.resolve(values.root);
const half = values.half!;
if (!['dev', 'test', 'all'].includes(half)) throw new Error('--half: dev, test or all');
const out = values.out ?? `train/results/detector-floor-${half}.json`;

const parsed = parseConfig({});
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const MIN_CONFIDENCE = parsed.config.DETECT_MIN_CONFIDENCE;
const analyzer = await createFaceAnalyzer(parsed.config, () => {});
const loaded = loadOrt();
if (!('ort' in loaded)) throw new Error(loaded.error);
const blazeface = await loadBlazeFaceOnnx(loaded.ort, path.join(MODELS_DIR, BLAZEFACE_MODEL), { minConfidence: 0.2, maxFaces: 20 });
const mesh = (await loadOnnxFaceMesh(MODELS_DIR)).mesh;
if (!mesh) throw new Error('the face mesh did not load on onnxruntime-node');

const all = walkDataset(root).people.filter((p) => p.images.length > 0);
const people = half === 'all' ? all : identityFolds(all, 2, 1)[half === 'dev' ? 0 : 1]!;
const photos = people.flatMap((p) => p.images.map((rel) => ({ person: p.name, rel })));
const W = 640,
  H = 480;
let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const noise = Buffer.alloc(W * H * 3);
for (let i = 0; i < noise.length; i++) noise[i] = 118 + Math.floor(rand() * 12);

type Kind = 'tile' | 'other' | 'false';
const candidates: { kind: Kind; score: number; meshConfirmed: boolean }[] = [];
const tiles: { photo: string; condition: string; beside: boolean; best: number }[] = [];
for (let i = 0; i < photos.length; i++) {
  const bytes = fs.readFileSync(path.join(root, photos[i]!.rel));
  const still = await analyzer.embedAll(new Uint8Array(bytes), 4096 * 4096);
  if (!still.ok || still.faces.length === 0) continue;
  const box = still.faces.map((f) => f.box).sort((x, y) => y.width * y.height - x.width * x.height)[0]!;
  const other = await sharp(fs.readFileSync(path.join(root, photos[(i + 7) % photos.length]!.rel)))
    .rotate()
    .resize(300, 440, { fit: 'inside' })
    .png()
    .toBuffer();
  const om = await sharp(other).metadata();
  for (const condition of ['tight80', 'tight112'] as const) {
    const crop = await degrade(bytes, condition, box);
    if (!crop) continue;
    const cm = await sharp(crop).metadata();
    const tile = { left: Math.round((W / 2 - cm.width!) / 2), top: Math.round((H - cm.height!) / 2), w: cm.width!, h: cm.height! };
    const beside = { left: Math.round(W / 2 + (W / 2 - om.width!) / 2), top: Math.round((H - om.height!) / 2), w: om.width!, h: om.height! };
    for (const withOther of [false, true]) {
      const layers = [{ input: crop, left: tile.left, top: tile.top }, ...(withOther ? [{ input: other, left: beside.left, top: beside.top }] : [])];
      const jpeg = await sharp(noise, { raw: { width: W, height: H, channels: 3 } })
        .composite(layers)
        .jpeg({ quality: 85 })
        .toBuffer();
      const decoded = await decodeImage(new Uint8Array(jpeg), W * H);
      if (!decoded.ok) throw new Error(decoded.message);
      const found = await blazeface.detect(decoded.image);
      const meshed = await mesh.meshAt(
        decoded.image,
        found.map((d) => d.box),
        found.map((d) => d.score),
        MIN_CONFIDENCE,
      );
      const inside = (b: typeof tile, d: (typeof found)[number]) => {
        const cx = d.box.x + d.box.width / 2,
          cy = d.box.y + d.box.height / 2;
        return cx >= b.left && cx < b.left + b.w && cy >= b.top && cy < b.top + b.h;
      };
      let best = 0;
      found.forEach((d, k) => {
        const kind: Kind = inside(tile, d) ? 'tile' : withOther && inside(beside, d) ? 'other' : 'false';
        if (kind === 'tile') best = Math.max(best, d.score);
        candidates.push({ kind, score: d.score, meshConfirmed: meshed[k] !== null });
      });
      tiles.push({ photo: photos[i]!.rel, condition, beside: withOther, best });
    }
  }
}

const BANDS = [0.2, 0.3, 0.4, MIN_CONFIDENCE, 1.0001];
const bands = BANDS.slice(0, -1).map((lo, j) => {
  const hi = BANDS[j + 1]!;
  const b = candidates.filter((c) => c.score >= lo && c.score < hi);
  const count = (k: Kind, confirmed?: boolean) => b.filter((c) => c.kind === k && (confirmed === undefined || c.meshConfirmed === confirmed)).length;
  return {
    scores: `${lo}-${Math.min(1, hi)}`,
    tile: count('tile'),
    tileMeshConfirmed: count('tile', true),
    other: count('other'),
    otherMeshConfirmed: count('other', true),
    false: count('false'),
    falseMeshConfirmed: count('false', true),
  };
});
const missed = (floor: number) =>
  tiles.filter((t) => t.best < floor).map((t) => `${t.photo} ${t.condition}${t.beside ? ' beside another' : ''}: best ${t.best.toFixed(3)}`);
const result = {
  benchmark: 'detector-floor',
  generatedAt: new Date().toISOString(),
  root,
  half,
  people: people.length,
  frames: tiles.length,
  detectMinConfidence: MIN_CONFIDENCE,
  bands,
  tilesMissedAt: Object.fromEntries([0.2, 0.3, 0.4, MIN_CONFIDENCE].map((f) => [String(f), missed(f)])),
};
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.table(bands);
for (const [f, m] of Object.entries(result.tilesMissedAt)) console.log(`crops never found at floor ${f}: ${m.length} of ${tiles.length}`);
console.log(`wrote ${out}`);
process.exit(0);
