// One embedding pass over a dataset and its degraded copies with every network the server can run, from the same
// detector, landmarks and crops: dlib ResNet (128-d; float and int8), MobileFaceNet (192-d), EdgeFace-XS and -XXS (512-d each), each
// kept as its own unit vector, plus each ArcFace network from the stored-chip routes (what a gallery re-embedded from its
// crops holds: the 150 px dlib chip stored before 2026-12-06, and the 220 px wide chip stored since). Any single model or z-score fusion of them is scored from these (heldout.ts, open-set.ts). Cached per
// condition, so reruns and other settings reuse it.
import fs from 'node:fs';
import path from 'node:path';
import type { ModelAnalyzer } from '../../src/server/vision/analyzer.js';
import { DEFAULT_EMBEDDER_OPTIONS } from '../../src/server/vision/embedder.js';
import type { ResolvedModel } from '../../src/server/vision/models.js';
import { isResnet, NET_DIMS, NET_NAMES, partWeights, splitNets, type NetName, type NetPart } from '../../src/server/vision/nets-embedder.js';
import { readImageFile } from './dataset.js';
import { degrade, type Condition, type FaceBox } from './degrade.js';
import { progress } from './progress.js';

export type NetVectors = Partial<Record<NetName, number[]>>;

export interface ImageParts {
  /** Each network's unit vector from the photo (the live and enrolment route). */
  nets: NetVectors;
  /** Each ArcFace network's unit vector from the ArcFace crop cut out of the 150x150 dlib chip (the re-embedding route). */
  chip: NetVectors;
  /** The same from the 220x220 wide chip (vision/chip-geometry.ts), which holds the ArcFace crop whole. */
  wideChip: NetVectors;
  box: FaceBox;
  ms: number;
}

export type PartsResult = { ok: true; parts: ImageParts } | { ok: false; reason: string };

/**
 * The evaluation's model: every network, each with the flip setting its shipped models use (MobileFaceNet without
 * mirror, as in fusion-resnet128-mobilefacenet192.v1), equal weights (split back out exactly).
 */
export const EVAL_NETS: NetPart[] = NET_NAMES.map((net) => ({ net, flip: net !== 'mobilefacenet', mean: 0, std: 1 }));
export const EVAL_MODEL_ID = 'eval-all-nets.v1';

export function evalModel(): ResolvedModel {
  const manifest = {
    id: EVAL_MODEL_ID,
    base: EVAL_MODEL_ID,
    embedder: DEFAULT_EMBEDDER_OPTIONS,
    dims: EVAL_NETS.reduce((s, p) => s + NET_DIMS[p.net], 0),
    threshold: 0,
    created: '',
    nets: EVAL_NETS,
  };
  return { manifest, embedder: manifest.embedder, project: (v) => v };
}

/** Bump when what a cached entry means changes. */
const CACHE_VERSION = 'nets-v3'; // v2: the wide-chip route; v3: the int8 ResNet

/** Where one condition's cached parts of a model's pass lie (train/gallery-fpir.ts and train/int8-resnet.ts read them). */
export const partsCacheFile = (dir: string, modelId: string, condition: string) => path.join(dir, `${modelId}.${CACHE_VERSION}.${condition}.json`);

export async function embedParts(opts: {
  analyzer: ModelAnalyzer;
  root: string;
  rels: string[];
  condition: Condition;
  /** Face boxes from the clean pass (tight crops and blur need them). */
  cleanBoxes: Map<string, FaceBox>;
  cacheDir?: string;
}): Promise<Map<string, PartsResult>> {
  const { analyzer, condition } = opts;
  const nets = analyzer.manifest.nets;
  if (!nets) throw new Error(`model ${analyzer.modelId} is not a networks model (no "nets" in its manifest)`);
  const w = partWeights(nets);
  const cacheFile = opts.cacheDir ? partsCacheFile(opts.cacheDir, analyzer.modelId, condition) : null;
  const cached: Record<string, PartsResult> = cacheFile && fs.existsSync(cacheFile) ? JSON.parse(fs.readFileSync(cacheFile, 'utf8')) : {};
  const out = new Map<string, PartsResult>();
  const bar = progress(`embed ${condition}`, opts.rels.length);
  let fresh = 0;
  for (const rel of opts.rels) {
    let r = cached[rel];
    if (!r) {
      r = await embedOne(rel);
      cached[rel] = r;
      // Saved as it goes: a long first pass on a shared machine can be stopped and resumed.
      if (++fresh % 25 === 0) save();
    }
    out.set(rel, r);
    bar.tick(1, r.ok ? '' : 'miss');
  }
  bar.done();
  save();
  return out;

  function save() {
    if (!cacheFile) return;
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    fs.writeFileSync(cacheFile, JSON.stringify(cached));
  }

  async function embedOne(rel: string): Promise<PartsResult> {
    const read = readImageFile(path.join(opts.root, rel));
    if (!read.ok) return read;
    const bytes = await degrade(read.bytes, condition, opts.cleanBoxes.get(rel) ?? null);
    if (!bytes) return { ok: false, reason: 'no face on the clean photo to crop around' };
    const t0 = performance.now();
    const r = await analyzer.embedAll(bytes, 8192 * 8192);
    const ms = performance.now() - t0;
    if (!r.ok) return { ok: false, reason: `${r.code}: ${r.message}` };
    if (r.faces.length === 0) return { ok: false, reason: 'no face detected' };
    const f = r.faces.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
    const live = splitNets(nets!, w, f.embedding);
    if (!f.wideChip) throw new Error('embedAll returned no wide chip');
    const [fromChip, fromWide] = await analyzer.embedChips([f.chip, f.wideChip]);
    const chipParts = splitNets(nets!, w, fromChip!);
    const wideParts = splitNets(nets!, w, fromWide!);
    const parts: ImageParts = { nets: {}, chip: {}, wideChip: {}, box: f.box, ms };
    nets!.forEach((p, i) => {
      parts.nets[p.net] = live[i]!;
      if (!isResnet(p.net)) {
        parts.chip[p.net] = chipParts[i]!;
        parts.wideChip[p.net] = wideParts[i]!;
      }
    });
    return { ok: true, parts };
  }
}
