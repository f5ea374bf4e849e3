// Presentation-attack scores (a print or a screen held up to the camera) from minivision's MiniFASNet V2 and V1SE
// (models/minifasnet, Apache-2.0) on onnxruntime-node, for the faces asked for. Crops and decision follow upstream
// (Silent-Face-Anti-Spoofing: src/generate_patches.py, src/anti_spoof_predict.py, test.py). A score only means
// something behind a face detector: uniform noise scores "real".
import fs from 'node:fs';
import path from 'node:path';
import type { RgbImage } from './align.js';
import type { Box } from './detector.js';
import { loadOrt, ORT_SESSION_OPTIONS, type OrtModule } from './ort.js';

export interface SpoofScore {
  /** The two models' mean softmax probability of "real face" (upstream's summed score / 2), 0..1. */
  real: number;
  /** Upstream's verdict: the class with the largest summed softmax is 1 (real). */
  isReal: boolean;
}

export interface SpoofScorer {
  /** For /health: which models on which runtime. */
  readonly description: string;
  /** Scores `boxes` (image pixels) of `image`; one result per box, in order. */
  score(image: RgbImage, boxes: Box[]): Promise<SpoofScore[]>;
}

/** Each model: its file, and the factor by which upstream enlarges the face box about its centre before cropping. */
export const MINIFASNET_MODELS = [
  { file: 'minifasnet/minifasnet-v2-2.7_80x80.onnx', scale: 2.7 },
  { file: 'minifasnet/minifasnet-v1se-4.0_80x80.onnx', scale: 4.0 },
] as const;
export const SPOOF_INPUT = 80;
const CLASSES = 3;
/** Softmax class of a real face (0 and 2 are attack kinds). */
const REAL_CLASS = 1;

/**
 * Upstream's crop (CropImage._get_new_box): the box scaled about its centre by `scale` (less when that would not fit
 * the image), shifted back inside the image, corners truncated to whole pixels; inclusive right/bottom.
 */
export function spoofCropRect(box: Box, scale: number, W: number, H: number): { x0: number; y0: number; x1: number; y1: number } {
  const s = Math.min((H - 1) / box.height, (W - 1) / box.width, scale);
  const w = box.width * s,
    h = box.height * s;
  const cx = box.x + box.width / 2,
    cy = box.y + box.height / 2;
  let l = cx - w / 2,
    t = cy - h / 2,
    r = cx + w / 2,
    b = cy + h / 2;
  if (l < 0) [r, l] = [r - l, 0];
  if (t < 0) [b, t] = [b - t, 0];
  if (r > W - 1) [l, r] = [l - (r - W + 1), W - 1];
  if (b > H - 1) [t, b] = [t - (b - H + 1), H - 1];
  return { x0: Math.trunc(l), y0: Math.trunc(t), x1: Math.trunc(r), y1: Math.trunc(b) };
}

/**
 * The crop resized to size x size as cv2.resize(INTER_LINEAR) does (half-pixel centres, no anti-aliasing), written as
 * planar BGR 0..255 floats at `offset` of `out`: what upstream feeds (cv2 images are BGR; its ToTensor keeps 0..255).
 */
export function spoofInput(image: RgbImage, rect: { x0: number; y0: number; x1: number; y1: number }, size: number, out: Float32Array, offset = 0): void {
  const { data, width: W } = image;
  const cw = rect.x1 - rect.x0 + 1,
    ch = rect.y1 - rect.y0 + 1;
  const fx = cw / size,
    fy = ch / size;
  const plane = size * size;
  for (let y = 0; y < size; y++) {
    const sy = Math.min(ch - 1, Math.max(0, (y + 0.5) * fy - 0.5));
    const y0 = Math.floor(sy),
      y1 = Math.min(ch - 1, y0 + 1),
      wy = sy - y0;
    for (let x = 0; x < size; x++) {
      const sx = Math.min(cw - 1, Math.max(0, (x + 0.5) * fx - 0.5));
      const x0 = Math.floor(sx),
        x1 = Math.min(cw - 1, x0 + 1),
        wx = sx - x0;
      const a = ((rect.y0 + y0) * W + rect.x0 + x0) * 3,
        b = ((rect.y0 + y0) * W + rect.x0 + x1) * 3,
        c = ((rect.y0 + y1) * W + rect.x0 + x0) * 3,
        d = ((rect.y0 + y1) * W + rect.x0 + x1) * 3;
      const o = offset + y * size + x;
      for (let k = 0; k < 3; k++) {
        const top = data[a + k]! + (data[b + k]! - data[a + k]!) * wx;
        const bottom = data[c + k]! + (data[d + k]! - data[c + k]!) * wx;
        out[o + (2 - k) * plane] = top + (bottom - top) * wy; // RGB in, BGR planes out
      }
    }
  }
}

export function softmax(logits: ArrayLike<number>, from: number, n: number): number[] {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[from + i]!);
  const e = Array.from({ length: n }, (_, i) => Math.exp(logits[from + i]! - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** Upstream's rule on the models' softmax outputs of one face: sum, argmax. */
export function combine(probs: number[][]): SpoofScore {
  const sum = new Array<number>(CLASSES).fill(0);
  for (const p of probs) for (let c = 0; c < CLASSES; c++) sum[c]! += p[c]!;
  const best = sum.indexOf(Math.max(...sum));
  return { real: sum[REAL_CLASS]! / probs.length, isReal: best === REAL_CLASS };
}

export async function loadMiniFasNet(ort: OrtModule, modelsDir: string, version = '?'): Promise<SpoofScorer> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- onnxruntime-node is typed loosely (OrtModule)
  const sessions: { session: any; scale: number }[] = [];
  for (const m of MINIFASNET_MODELS) {
    const file = path.join(modelsDir, m.file);
    if (!fs.existsSync(file)) throw new Error(`MiniFASNet model ${file} is missing`);
    const session = await ort.InferenceSession.create(file, ORT_SESSION_OPTIONS);
    sessions.push({ session, scale: m.scale });
  }
  const n = SPOOF_INPUT * SPOOF_INPUT * 3;
  return {
    description: `presentation attack: onnx:minifasnet-v2+v1se (onnxruntime-node ${version}, 1 thread)`,
    async score(image, boxes) {
      if (boxes.length === 0) return [];
      const perModel: number[][][] = [];
      for (const { session, scale } of sessions) {
        const input = new Float32Array(n * boxes.length);
        boxes.forEach((box, i) => spoofInput(image, spoofCropRect(box, scale, image.width, image.height), SPOOF_INPUT, input, i * n));
        const out = await session.run({ input: new ort.Tensor('float32', input, [boxes.length, 3, SPOOF_INPUT, SPOOF_INPUT]) });
        const logits = out.logits.data as Float32Array;
        perModel.push(boxes.map((_, i) => softmax(logits, i * CLASSES, CLASSES)));
      }
      return boxes.map((_, i) => combine(perModel.map((p) => p[i]!)));
    },
  };
}

/** MiniFASNet on onnxruntime-node when it loads, else null with the reason (spoof checks then fail, never pass). */
export async function loadSpoofScorer(modelsDir: string): Promise<{ scorer: SpoofScorer | null; note: string }> {
  const loaded = loadOrt();
  if ('error' in loaded) return { scorer: null, note: `presentation attack: unavailable (${loaded.error})` };
  try {
    const scorer = await loadMiniFasNet(loaded.ort, modelsDir, loaded.version);
    return { scorer, note: scorer.description };
  } catch (err) {
    return { scorer: null, note: `presentation attack: unavailable (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
}
