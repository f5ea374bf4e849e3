// Face embedding: face-api's 68-landmark net places the face, a dlib-style similarity warp aligns it to a 150x150 chip,
// and dlib's ResNet (face-api's recognition net) embeds the chip and its mirror image. Output: one L2-normalised 128-d vector.
import { chipToImageTransform, warpToChip, type Point, type RgbImage } from './align.js';
import type { Box } from './detector.js';
import type { Runtime } from './runtime.js';

export const EMBEDDING_MODEL_ID = 'dlib-resnet128.chip150.flip.v1';
export const EMBEDDING_DIMS = 128;
const LANDMARK_INPUT = 112;
export const CHIP_SIZE = 150;

export interface FaceEmbedding {
  embedding: Float32Array;
  /** The aligned 150x150 RGB chip the embedding was computed from. */
  chip: Uint8Array;
  landmarks: Point[];
}

export interface Embedder {
  readonly modelId: string;
  readonly dims: number;
  /** Embeds each box of one frame. `frame` is the int32 [h, w, 3] tensor of `image`; neither is disposed here. */
  embed(image: RgbImage, frame: unknown, boxes: Box[]): Promise<FaceEmbedding[]>;
}

export function l2normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  return v.map((x) => x / norm);
}

/** Landmark crop: the detector's box grown a little and made square, so the whole jaw line is in view. */
function landmarkCrop(box: Box): Box {
  const side = Math.max(box.width, box.height) * 1.1;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}

export async function createEmbedder(rt: Runtime): Promise<Embedder> {
  const { tf, faceapi } = rt;
  await faceapi.nets.faceLandmark68Net.loadFromDisk(rt.modelDirs.faceapi);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(rt.modelDirs.faceapi);

  async function landmarksFor(image: RgbImage, frame: unknown, boxes: Box[]): Promise<Point[][]> {
    const crops = boxes.map(landmarkCrop);
    const batch = tf.tidy(() => {
      const f4 = tf.expandDims(tf.cast(frame, 'float32'), 0);
      const normBoxes = crops.map((c) => [c.y / (image.height - 1), c.x / (image.width - 1), (c.y + c.height) / (image.height - 1), (c.x + c.width) / (image.width - 1)]);
      return tf.unstack(tf.image.cropAndResize(f4, normBoxes, crops.map(() => 0), [LANDMARK_INPUT, LANDMARK_INPUT]));
    }) as { dispose(): void }[];
    try {
      const result = await faceapi.nets.faceLandmark68Net.detectLandmarks(batch);
      const all = Array.isArray(result) ? result : [result];
      return all.map((lm: any, i: number) => {
        const c = crops[i]!;
        return lm.relativePositions.map((p: Point) => ({ x: c.x + p.x * c.width, y: c.y + p.y * c.height }));
      });
    } finally {
      for (const t of batch) t.dispose();
    }
  }

  return {
    modelId: EMBEDDING_MODEL_ID,
    dims: EMBEDDING_DIMS,
    async embed(image, frame, boxes) {
      if (boxes.length === 0) return [];
      const landmarks = await landmarksFor(image, frame, boxes);
      const chips = landmarks.map((lm) => {
        const m = chipToImageTransform(lm, CHIP_SIZE, 0.25);
        return { chip: warpToChip(image, m, CHIP_SIZE), mirror: warpToChip(image, m, CHIP_SIZE, true) };
      });
      // One batch: every chip and its mirror image. Averaging the two is a cheap test-time augmentation.
      // face-api takes a batch as an array of 3-D tensors, not as one 4-D tensor.
      const input = chips.flatMap((c) => [c.chip, c.mirror]).map((px) => tf.tensor3d(px, [CHIP_SIZE, CHIP_SIZE, 3], 'float32'));
      let descriptors: Float32Array[];
      try {
        const out = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(input);
        descriptors = Array.isArray(out) ? out : [out];
      } finally {
        for (const t of input) t.dispose();
      }
      return chips.map((c, i) => {
        const a = descriptors[2 * i]!, b = descriptors[2 * i + 1]!;
        const mean = new Float32Array(EMBEDDING_DIMS);
        for (let k = 0; k < EMBEDDING_DIMS; k++) mean[k] = (a[k]! + b[k]!) / 2;
        return { embedding: l2normalize(mean), chip: c.chip, landmarks: landmarks[i]! };
      });
    },
  };
}
