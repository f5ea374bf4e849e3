// MediaPipe BlazeFace on onnxruntime-node: face boxes and six keypoints for a whole frame in a few milliseconds of CPU,
// without TF.js. Used for live frames that need boxes only (detector.ts keeps Human's face mesh for the rest).
import fs from 'node:fs';
import type { RgbImage } from './align.js';
import type { Box } from './detector.js';
import { ORT_SESSION_OPTIONS, type OrtModule } from './ort.js';

export interface BlazeFaceDetection {
  /** MediaPipe's face box (eyebrows to mouth, ear to ear), in image pixels. */
  box: Box;
  score: number;
  /** Right eye, left eye, nose tip, mouth centre, right ear tragion, left ear tragion (the subject's sides), image pixels. */
  keypoints: { x: number; y: number }[];
}

export interface BlazeFaceOnnx {
  readonly inputSize: number;
  detect(image: RgbImage): Promise<BlazeFaceDetection[]>;
}

/** MediaPipe's weighted non-maximum suppression threshold for BlazeFace. */
const SUPPRESSION_IOU = 0.3;

/** Anchor centres of both output heads (16x16 cells x 2 anchors, 8x8 cells x 6 anchors), as fractions of the input. */
function anchors(cells: number, perCell: number): Float32Array {
  const out = new Float32Array(cells * cells * perCell * 2);
  let k = 0;
  for (let y = 0; y < cells; y++)
    for (let x = 0; x < cells; x++)
      for (let a = 0; a < perCell; a++) {
        out[k++] = (x + 0.5) / cells;
        out[k++] = (y + 0.5) / cells;
      }
  return out;
}

interface Candidate {
  score: number;
  /** cx, cy, w, h, then 6 keypoints (x, y): 16 values, fractions of the letterboxed input. */
  v: Float32Array;
}

function iou(a: Float32Array, b: Float32Array): number {
  const ix = Math.max(0, Math.min(a[0]! + a[2]! / 2, b[0]! + b[2]! / 2) - Math.max(a[0]! - a[2]! / 2, b[0]! - b[2]! / 2));
  const iy = Math.max(0, Math.min(a[1]! + a[3]! / 2, b[1]! + b[3]! / 2) - Math.max(a[1]! - a[3]! / 2, b[1]! - b[3]! / 2));
  const inter = ix * iy;
  return inter / (a[2]! * a[3]! + b[2]! * b[3]! - inter);
}

/** MediaPipe's weighted NMS: each cluster of overlapping candidates becomes their score-weighted mean, scored by its best. */
export function weightedNms(cands: Candidate[], maxFaces: number): Candidate[] {
  const left = [...cands].sort((a, b) => b.score - a.score);
  const out: Candidate[] = [];
  while (left.length > 0 && out.length < maxFaces) {
    const top = left[0]!;
    const cluster = left.filter((c) => iou(top.v, c.v) > SUPPRESSION_IOU);
    const rest = left.filter((c) => iou(top.v, c.v) <= SUPPRESSION_IOU);
    const v = new Float32Array(16);
    let wsum = 0;
    for (const c of cluster) {
      wsum += c.score;
      for (let i = 0; i < 16; i++) v[i]! += c.v[i]! * c.score;
    }
    for (let i = 0; i < 16; i++) v[i]! /= wsum;
    out.push({ score: top.score, v });
    left.length = 0;
    left.push(...rest);
  }
  return out;
}

/**
 * The image resized (bilinear, as tf.image.resizeBilinear does for Human's copy of this model) into a w x h area at
 * (left, top) of a size x size input scaled to [-1, 1], black (-1) around it. Written straight into the model's input:
 * sharp's resize, then a conversion pass, cost ~2.5 ms of CPU a 640x480 frame against well under 1 ms here.
 */
export function letterbox(image: RgbImage, size: number, w: number, h: number, left: number, top: number): Float32Array {
  const out = new Float32Array(size * size * 3).fill(-1);
  const { data, width: W, height: H } = image;
  const fx = W / w,
    fy = H / h;
  // Each output column's two source columns and weight, once per frame rather than once per row (same arithmetic).
  const col0 = new Int32Array(w),
    col1 = new Int32Array(w),
    colW = new Float64Array(w);
  for (let x = 0; x < w; x++) {
    const sx = Math.min(W - 1, Math.max(0, (x + 0.5) * fx - 0.5));
    const x0 = Math.floor(sx);
    col0[x] = x0 * 3;
    col1[x] = Math.min(W - 1, x0 + 1) * 3;
    colW[x] = sx - x0;
  }
  for (let y = 0; y < h; y++) {
    const sy = Math.min(H - 1, Math.max(0, (y + 0.5) * fy - 0.5));
    const y0 = Math.floor(sy),
      wy = sy - y0;
    const r0 = y0 * W * 3,
      r1 = Math.min(H - 1, y0 + 1) * W * 3;
    let o = ((top + y) * size + left) * 3;
    for (let x = 0; x < w; x++) {
      const a = r0 + col0[x]!,
        b = r0 + col1[x]!,
        c = r1 + col0[x]!,
        d = r1 + col1[x]!,
        wx = colW[x]!;
      for (let ch = 0; ch < 3; ch++) {
        const top_ = data[a + ch]! + (data[b + ch]! - data[a + ch]!) * wx;
        const bottom = data[c + ch]! + (data[d + ch]! - data[c + ch]!) * wx;
        out[o++] = (top_ + (bottom - top_) * wy) / 127.5 - 1;
      }
    }
  }
  return out;
}

/**
 * `floor` (below `minConfidence`): also return the faces scored from it, after the sure ones. The sure faces come out
 * exactly as without it: their clusters are formed from the sure candidates alone, and an unsure candidate inside one
 * (overlapping it above the suppression threshold) is dropped, not averaged in.
 */
export async function loadBlazeFaceOnnx(
  ort: OrtModule,
  modelFile: string,
  opts: { minConfidence: number; maxFaces: number; floor?: number },
): Promise<BlazeFaceOnnx> {
  if (!fs.existsSync(modelFile)) throw new Error(`BlazeFace model ${modelFile} is missing`);
  const session = await ort.InferenceSession.create(modelFile, ORT_SESSION_OPTIONS);
  const inputName: string = session.inputNames[0];
  const shape = session.inputMetadata?.[0]?.shape as number[] | undefined;
  const size = shape?.[1] ?? (modelFile.includes('256') ? 256 : 128);
  const heads = [
    { scores: 'Identity:0', boxes: 'Identity_2:0', anchors: anchors(16, 2) },
    { scores: 'Identity_1:0', boxes: 'Identity_3:0', anchors: anchors(8, 6) },
  ];
  const floor = Math.min(opts.floor ?? opts.minConfidence, opts.minConfidence);
  const logitMin = Math.log(floor / (1 - floor));

  return {
    inputSize: size,
    async detect(image) {
      // Letterboxed (aspect kept, black bars) as MediaPipe feeds it, so boxes keep the face's shape whatever the frame's.
      // (Stretched, as Human feeds it, found 196 of Human's 197 faces with 3 extra boxes on 167 photos; letterboxed 197 with 8.)
      const scale = size / Math.max(image.width, image.height);
      const w = Math.max(1, Math.round(image.width * scale)),
        h = Math.max(1, Math.round(image.height * scale));
      const left = Math.floor((size - w) / 2),
        top = Math.floor((size - h) / 2);
      const input = letterbox(image, size, w, h, left, top);
      const out = await session.run({ [inputName]: new ort.Tensor('float32', input, [1, size, size, 3]) });
      const cands: Candidate[] = [];
      for (const head of heads) {
        const scores = out[head.scores].data as Float32Array;
        const raw = out[head.boxes].data as Float32Array;
        for (let a = 0; a < scores.length; a++) {
          if (scores[a]! < logitMin) continue;
          const ax = head.anchors[2 * a]!,
            ay = head.anchors[2 * a + 1]!;
          const v = new Float32Array(16);
          const r = a * 16;
          v[0] = ax + raw[r]! / size;
          v[1] = ay + raw[r + 1]! / size;
          v[2] = raw[r + 2]! / size;
          v[3] = raw[r + 3]! / size;
          for (let k = 0; k < 6; k++) {
            v[4 + 2 * k] = ax + raw[r + 4 + 2 * k]! / size;
            v[5 + 2 * k] = ay + raw[r + 5 + 2 * k]! / size;
          }
          cands.push({ score: 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, scores[a]!)))), v });
        }
      }
      // From letterboxed input fractions back to image pixels.
      const toX = (f: number) => (f * size - left) / scale,
        toY = (f: number) => (f * size - top) / scale;
      const sure = weightedNms(
        cands.filter((c) => c.score >= opts.minConfidence),
        opts.maxFaces,
      );
      const unsure = cands.filter((c) => c.score < opts.minConfidence && !sure.some((f) => iou(f.v, c.v) > SUPPRESSION_IOU));
      return [...sure, ...weightedNms(unsure, opts.maxFaces)].map(({ score, v }) => {
        const x0 = toX(v[0]! - v[2]! / 2),
          y0 = toY(v[1]! - v[3]! / 2);
        return {
          score,
          box: { x: x0, y: y0, width: (v[2]! * size) / scale, height: (v[3]! * size) / scale },
          keypoints: Array.from({ length: 6 }, (_, k) => ({ x: toX(v[4 + 2 * k]!), y: toY(v[5 + 2 * k]!) })),
        };
      });
    },
  };
}
