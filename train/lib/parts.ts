// One embedding pass of the fused model over a dataset and its degraded copies, keeping each model's part apart:
// ResNet (128-d), MobileFaceNet from the photo (192-d), and MobileFaceNet from the stored-chip route (what a gallery
// re-embedded from its crops holds). Cached per condition, so reruns and other settings reuse it.
import fs from 'node:fs';
import path from 'node:path';
import { fusionWeights, splitParts } from '../../src/server/vision/fused-embedder.js';
import type { ModelAnalyzer } from '../../src/server/vision/analyzer.js';
import type { FusionParams } from '../../src/server/vision/fused-embedder.js';
import { readImageFile } from './dataset.js';
import { degrade, type Condition, type FaceBox } from './degrade.js';
import { progress } from './progress.js';

export interface ImageParts {
  resnet: number[];
  mfn: number[];
  /** MobileFaceNet on the ArcFace crop cut from the 150x150 dlib chip (the re-embedding route). */
  mfnChip: number[];
  box: FaceBox;
  ms: number;
}

export type PartsResult = { ok: true; parts: ImageParts } | { ok: false; reason: string };

/** Bump when what a cached entry means changes. */
const CACHE_VERSION = 'parts-v1';

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
  const fusion = analyzer.manifest.fusion as FusionParams | undefined;
  if (!fusion) throw new Error(`model ${analyzer.modelId} is not a fused model (no "fusion" in its manifest)`);
  const w = fusionWeights(fusion);
  const cacheFile = opts.cacheDir ? path.join(opts.cacheDir, `${analyzer.modelId}.${CACHE_VERSION}.${condition}.json`) : null;
  const cached: Record<string, PartsResult> = cacheFile && fs.existsSync(cacheFile) ? JSON.parse(fs.readFileSync(cacheFile, 'utf8')) : {};
  const out = new Map<string, PartsResult>();
  const bar = progress(`embed ${condition}`, opts.rels.length);
  for (const rel of opts.rels) {
    let r = cached[rel];
    if (!r) {
      r = await embedOne(rel);
      cached[rel] = r;
    }
    out.set(rel, r);
    bar.tick(1, r.ok ? '' : 'miss');
  }
  bar.done();
  if (cacheFile) {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    fs.writeFileSync(cacheFile, JSON.stringify(cached));
  }
  return out;

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
    const live = splitParts(w, f.embedding);
    const [fromChip] = await analyzer.embedChips([f.chip]);
    return { ok: true, parts: { resnet: live.resnet, mfn: live.mobilefacenet, mfnChip: splitParts(w, fromChip!).mobilefacenet, box: f.box, ms } };
  }
}
