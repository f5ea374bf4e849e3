// Face embedding: face-api's 68-landmark net places the face, a dlib-style similarity warp aligns it to a 150x150 chip,
// and dlib's ResNet (face-api's recognition net) embeds the chip (and, by default, its mirror image). Output: one L2-normalised 128-d vector.
// Both nets run on onnxruntime-node when the embedding's ONNX files loaded (embed-onnx.ts), else on TF.js.
import { mendChip } from './exposure.js';
import type { Point, RgbImage } from './align.js';
import { CHIP_SIZE, modelChip, warpChips } from './chip-geometry.js';
import type { Box } from './detector.js';
import { packBatch, type EmbedNets } from './embed-onnx.js';
import { createLandmarker } from './landmarks.js';
import type { Runtime } from './runtime.js';

export const EMBEDDING_DIMS = 128;
export { CHIP_SIZE };

/** The knobs of the alignment + embedding pipeline that change embeddings; each setting has its own model id. */
export interface EmbedderOptions {
  /** Average the embedding of the chip with that of its mirror image. */
  flip: boolean;
  /** dlib chip padding around the mean face (dlib's default 0.25; the ResNet was trained on it). */
  chipPadding: number;
  /** Landmark crop side as a multiple of the detector box's longer side. */
  cropScale: number;
  /** Run the landmark net a second time on a crop centred on the first pass's landmarks. */
  refine: boolean;
  /** The exposure mend (exposure.ts) before the networks; default on. Off only to measure faces as captured (train/). */
  mend?: boolean;
}

// cropScale 1.25 (not 1.1): measured better on ../shared/faces (docs/accuracy.md); the mesh box is tighter than the boxes face-api's landmark net saw.
export const DEFAULT_EMBEDDER_OPTIONS: EmbedderOptions = { flip: true, chipPadding: 0.25, cropScale: 1.25, refine: false };

/** The model id of a setting: the original id for the original setting, and a suffix per knob turned. */
export function embedderModelId(o: EmbedderOptions): string {
  const parts = ['dlib-resnet128', 'chip150'];
  if (o.chipPadding !== 0.25) parts.push(`pad${o.chipPadding}`);
  if (o.cropScale !== 1.1) parts.push(`crop${o.cropScale}`);
  if (o.refine) parts.push('refine');
  if (o.flip) parts.push('flip');
  parts.push('v1');
  return parts.join('.');
}

export const EMBEDDING_MODEL_ID = embedderModelId(DEFAULT_EMBEDDER_OPTIONS);

export interface FaceEmbedding {
  embedding: Float32Array;
  /** The aligned 150x150 RGB chip the embedding was computed from. */
  chip: Uint8Array;
  /**
   * The wider chip (chip-geometry.ts, 220 px) that `chip` is the centre of: what an enrolment stores, so that the face
   * can be re-embedded for a model on the ArcFace crop without losing its forehead. Absent for a chip padding it does
   * not contain (experimental model variants).
   */
  wideChip?: Uint8Array;
  landmarks: Point[];
  /**
   * Set on faces of frames analysed with `mesh: false` (analyzer.ts): what the face mesh found for this face. Where it
   * found none (`confirmed: false`) the face is not embedded: `embedding` and `chip` are empty, `landmarks` too.
   */
  mesh?: MeshCheck;
}

/** The face mesh's word on a face the live detector found: its box and pose, and whether it found a face there at all. */
export interface MeshCheck {
  /** false: the mesh found no face in the box (a detector false positive, e.g. a window): do not name, count or show it. */
  confirmed: boolean;
  /** The mesh's box (the embedding's crop came from it), or the detection's own box when not confirmed. */
  box: Box;
  /** The mesh's head pose (the detection's rough one when not confirmed). */
  pose: { yaw: number; pitch: number; roll: number };
}

export interface Embedder {
  readonly modelId: string;
  readonly dims: number;
  readonly options: EmbedderOptions;
  /**
   * Embeds each box of one frame. `frame` is the [h, w, 3] tensor of `image` (analyzer.ts frameTensor); neither is
   * disposed here. `wideChips`: return each face's wide chip too (faces that may be stored).
   */
  embed(image: RgbImage, frame: unknown, boxes: Box[], opts?: { wideChips?: boolean }): Promise<FaceEmbedding[]>;
  /**
   * Embeds already aligned chips (stored gallery crops: 150x150 chips, or the 220 px wide chips stored since issue 21,
   * told apart by length), with the same mirror averaging as embed().
   */
  embedChips(chips: Uint8Array[]): Promise<Float32Array[]>;
}

export function l2normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  return v.map((x) => x / norm);
}

/** Horizontal mirror of a packed RGB square chip: the same pixels warpToChip(..., mirror = true) samples. */
export function mirrorChip(chip: Uint8Array, size = CHIP_SIZE): Uint8Array {
  const out = new Uint8Array(chip.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 3,
        i = (y * size + (size - 1 - x)) * 3;
      out[o] = chip[i]!;
      out[o + 1] = chip[i + 1]!;
      out[o + 2] = chip[i + 2]!;
    }
  return out;
}

/** `nets`: the ONNX networks (embed-onnx.ts) when they loaded; null runs face-api's nets on TF.js. */
export async function createEmbedder(rt: Runtime, options: EmbedderOptions = DEFAULT_EMBEDDER_OPTIONS, nets: EmbedNets | null = null): Promise<Embedder> {
  const { tf, faceapi } = rt;
  const landmarker = await createLandmarker(rt, options, nets);
  if (!nets && !faceapi.nets.faceRecognitionNet.isLoaded) await faceapi.nets.faceRecognitionNet.loadFromDisk(rt.modelDirs.faceapi);

  /** Raw ResNet descriptors of each view, in one batch. */
  async function network(views: Uint8Array[]): Promise<Float32Array[]> {
    if (nets) return nets.resnet.run(packBatch(views, CHIP_SIZE), views.length);
    // face-api takes a batch as an array of 3-D tensors, not as one 4-D tensor.
    const input = views.map((px) => tf.tensor3d(px, [CHIP_SIZE, CHIP_SIZE, 3], 'float32'));
    try {
      const out = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(input);
      return Array.isArray(out) ? out : [out];
    } finally {
      for (const t of input) t.dispose();
    }
  }

  /** ResNet over chips (and mirrors, in the same batch), averaged per face, L2-normalised. */
  async function describe(chips: Uint8Array[]): Promise<Float32Array[]> {
    if (chips.length === 0) return [];
    const seen = options.mend === false ? chips : chips.map((c) => mendChip(c, CHIP_SIZE)); // exposure.ts
    const views = options.flip ? seen.flatMap((c) => [c, mirrorChip(c)]) : seen;
    const descriptors = await network(views);
    const per = options.flip ? 2 : 1;
    return chips.map((_, i) => {
      const mean = new Float32Array(EMBEDDING_DIMS);
      for (let v = 0; v < per; v++) {
        const d = descriptors[per * i + v]!;
        for (let k = 0; k < EMBEDDING_DIMS; k++) mean[k]! += d[k]! / per;
      }
      return l2normalize(mean);
    });
  }

  return {
    modelId: embedderModelId(options),
    dims: EMBEDDING_DIMS,
    options,
    async embed(image, frame, boxes, opts) {
      if (boxes.length === 0) return [];
      const landmarks = await landmarker.locate(image, frame, boxes);
      const warped = landmarks.map((lm) => warpChips(image, lm, options.chipPadding, opts?.wideChips ?? false));
      const embeddings = await describe(warped.map((w) => w.chip));
      return warped.map(({ chip, wideChip }, i) => ({ embedding: embeddings[i]!, chip, ...(wideChip ? { wideChip } : {}), landmarks: landmarks[i]! }));
    },
    embedChips: (chips) => describe(chips.map(modelChip)),
  };
}
