// The fused embedder: dlib ResNet (128-d, on the dlib chip) and MobileFaceNet (192-d, on an ArcFace 112x112 crop) from
// the same 68 landmarks, joined into one unit vector whose inner product is the z-score-normalised fused score.
import { mendCropsLikeChips } from './exposure.js';
import { warpToChip, type RgbImage } from './align.js';
import { ARCFACE_SIZE, arcfaceToImageTransform } from './align-arcface.js';
import { arcfaceFromChip, modelChip } from './chip-geometry.js';
import type { EmbedNets } from './embed-onnx.js';
import { CHIP_SIZE, createEmbedder, type Embedder, type EmbedderOptions } from './embedder.js';
import { createMobileFaceNet, createMobileFaceNetOnnx, MOBILEFACENET_DIMS, readMobileFaceNetWeights } from './mobilefacenet.js';
import type { Runtime } from './runtime.js';

export const FUSED_MODEL_ID = 'fusion-resnet128-mobilefacenet192.v1';

/**
 * Per-model score normalisation. z_m = (cos_m - mean_m) / std_m; the fused score is the mean of the z_m. With unit parts
 * r, m and weights wr = sqrt(k / std_r), wm = sqrt(k / std_m), k = 1 / (1/std_r + 1/std_m), the vector [wr r, wm m] is
 * unit-length and its inner product with another is (cos_r/std_r + cos_m/std_m) * k = (mean z + c) * 2k, with
 * c = (mean_r/std_r + mean_m/std_m) / 2: an increasing affine map of the fused score. So the gallery's inner-product
 * search ranks by the fused score, and a cosine threshold on fused vectors is a threshold on the mean z-score.
 */
export interface FusionParams {
  resnet: { mean: number; std: number };
  mobilefacenet: { mean: number; std: number; flip: boolean };
}

export interface FusionWeights {
  resnet: number;
  mobilefacenet: number;
}

export function fusionWeights(p: { resnet: { std: number }; mobilefacenet: { std: number } }): FusionWeights {
  const k = 1 / (1 / p.resnet.std + 1 / p.mobilefacenet.std);
  return { resnet: Math.sqrt(k / p.resnet.std), mobilefacenet: Math.sqrt(k / p.mobilefacenet.std) };
}

/** Fused-vector cosine -> mean z-score, and back (for reading thresholds). */
export function fusedCosineToZ(p: FusionParams, cosine: number): number {
  const k = 1 / (1 / p.resnet.std + 1 / p.mobilefacenet.std);
  return (cosine / k - p.resnet.mean / p.resnet.std - p.mobilefacenet.mean / p.mobilefacenet.std) / 2;
}
export function zToFusedCosine(p: FusionParams, z: number): number {
  const k = 1 / (1 / p.resnet.std + 1 / p.mobilefacenet.std);
  return (2 * z + p.resnet.mean / p.resnet.std + p.mobilefacenet.mean / p.mobilefacenet.std) * k;
}

export function joinParts(w: FusionWeights, resnet: Float32Array, mfn: Float32Array): Float32Array {
  const out = new Float32Array(resnet.length + mfn.length);
  resnet.forEach((x, i) => (out[i] = x * w.resnet));
  mfn.forEach((x, i) => (out[resnet.length + i] = x * w.mobilefacenet));
  return out;
}

/** The two unit parts of a fused vector (for evaluating each model on its own from one embedding pass). */
export function splitParts(w: FusionWeights, fused: ArrayLike<number>, resnetDims = 128): { resnet: number[]; mobilefacenet: number[] } {
  const all = Array.from(fused);
  return { resnet: all.slice(0, resnetDims).map((x) => x / w.resnet), mobilefacenet: all.slice(resnetDims).map((x) => x / w.mobilefacenet) };
}

/** `nets`: the ONNX networks (embed-onnx.ts) when they loaded; null runs all three on TF.js. */
export async function createFusedEmbedder(
  rt: Runtime,
  options: EmbedderOptions,
  fusion: FusionParams,
  modelId: string,
  modelsDir: string,
  nets: EmbedNets | null = null,
): Promise<Embedder> {
  const resnet = await createEmbedder(rt, options, nets);
  const mfn = nets ? createMobileFaceNetOnnx(nets.mobilefacenet) : createMobileFaceNet(rt.tf, readMobileFaceNetWeights(modelsDir));
  const w = fusionWeights(fusion);
  const fuse = async (parts: Float32Array[], crops: Uint8Array[], chips: Uint8Array[]) => {
    // The ResNet mends its chips itself (embedder.ts); each crop follows its chip's decision (exposure.ts).
    const seen = options.mend === false ? crops : mendCropsLikeChips(chips, crops, CHIP_SIZE);
    const m = await mfn.embed(seen, fusion.mobilefacenet.flip);
    return parts.map((r, i) => joinParts(w, r, m[i]!));
  };
  return {
    modelId,
    dims: resnet.dims + MOBILEFACENET_DIMS,
    options,
    async embed(image: RgbImage, frame: unknown, boxes, opts) {
      const faces = await resnet.embed(image, frame, boxes, opts);
      const crops = faces.map((f) => warpToChip(image, arcfaceToImageTransform(f.landmarks), ARCFACE_SIZE));
      const fused = await fuse(
        faces.map((f) => f.embedding),
        crops,
        faces.map((f) => f.chip),
      );
      return faces.map((f, i) => ({ ...f, embedding: fused[i]! }));
    },
    async embedChips(chips) {
      const parts = await resnet.embedChips(chips);
      // Stored crops are dlib chips: their ArcFace crop comes from where the mean face puts the five points.
      return fuse(
        parts,
        chips.map((c) => arcfaceFromChip(c, options.chipPadding)),
        chips.map(modelChip),
      );
    },
  };
}
