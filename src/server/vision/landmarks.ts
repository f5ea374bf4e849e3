// Face landmarks for alignment: face-api's 68-landmark net on a square crop around each detector box (optionally a
// second pass centred on the first pass's landmarks). Every embedder here aligns from these points. The net runs on
// onnxruntime-node when the embedding's ONNX networks loaded (embed-onnx.ts; the crop is then cut here, as TF.js's
// cropAndResize cuts it), else on TF.js.
import type { Point, RgbImage } from './align.js';
import type { Box } from './detector.js';
import type { EmbedNets } from './embed-onnx.js';
import type { Runtime } from './runtime.js';

const LANDMARK_INPUT = 112;

/**
 * tf.image.cropAndResize of one box of a packed RGB image, as TF.js computes it: box corners normalised by (size - 1),
 * bilinear sampling at crop-grid points spanning the box corner to corner, 0 outside the image. Writes `size` x `size`
 * x 3 floats at `offset` of `out` (which starts zeroed), each divided by `divisor`.
 */
export function cropAndResize(image: RgbImage, crop: Box, size: number, out: Float32Array, offset = 0, divisor = 1): void {
  const { width: W, height: H, data } = image;
  const y1 = crop.y / (H - 1),
    x1 = crop.x / (W - 1),
    y2 = (crop.y + crop.height) / (H - 1),
    x2 = (crop.x + crop.width) / (W - 1);
  const hScale = size > 1 ? ((y2 - y1) * (H - 1)) / (size - 1) : 0;
  const wScale = size > 1 ? ((x2 - x1) * (W - 1)) / (size - 1) : 0;
  for (let y = 0; y < size; y++) {
    const yIn = size > 1 ? y1 * (H - 1) + y * hScale : 0.5 * (y1 + y2) * (H - 1);
    if (yIn < 0 || yIn > H - 1) continue;
    const top = Math.floor(yIn),
      bottom = Math.ceil(yIn),
      yLerp = yIn - top;
    for (let x = 0; x < size; x++) {
      const xIn = size > 1 ? x1 * (W - 1) + x * wScale : 0.5 * (x1 + x2) * (W - 1);
      if (xIn < 0 || xIn > W - 1) continue;
      const left = Math.floor(xIn),
        right = Math.ceil(xIn),
        xLerp = xIn - left;
      const tl = (top * W + left) * 3,
        tr = (top * W + right) * 3,
        bl = (bottom * W + left) * 3,
        br = (bottom * W + right) * 3;
      const o = offset + (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const t = data[tl + c]! + (data[tr + c]! - data[tl + c]!) * xLerp;
        const b = data[bl + c]! + (data[br + c]! - data[bl + c]!) * xLerp;
        out[o + c] = (t + (b - t) * yLerp) / divisor;
      }
    }
  }
}

export interface Landmarker {
  /** 68 landmarks (image pixels) for each box of one frame; `frame` is the [h, w, 3] tensor of `image` (analyzer.ts frameTensor). */
  locate(image: RgbImage, frame: unknown, boxes: Box[]): Promise<Point[][]>;
}

/** Landmark crop: the detector's box grown a little and made square, so the whole jaw line is in view. */
function landmarkCrop(box: Box, scale: number): Box {
  const side = Math.max(box.width, box.height) * scale;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}

function landmarkExtent(lm: Point[]): Box {
  const xs = lm.map((p) => p.x),
    ys = lm.map((p) => p.y);
  const x0 = Math.min(...xs),
    y0 = Math.min(...ys);
  return { x: x0, y: y0, width: Math.max(...xs) - x0, height: Math.max(...ys) - y0 };
}

/** Landmarks in image pixels from the net's relative x, y pairs on each crop. */
function toImage(rel: ArrayLike<number>, c: Box): Point[] {
  return Array.from({ length: rel.length / 2 }, (_, k) => ({ x: c.x + rel[2 * k]! * c.width, y: c.y + rel[2 * k + 1]! * c.height }));
}

/** `nets`: the ONNX networks (embed-onnx.ts) when they loaded; null runs face-api's net on TF.js. */
export async function createLandmarker(rt: Runtime, options: { cropScale: number; refine: boolean }, nets: EmbedNets | null = null): Promise<Landmarker> {
  const { tf, faceapi } = rt;
  if (!nets && !faceapi.nets.faceLandmark68Net.isLoaded) await faceapi.nets.faceLandmark68Net.loadFromDisk(rt.modelDirs.faceapi);

  async function landmarksOnnx(image: RgbImage, crops: Box[]): Promise<Point[][]> {
    const per = LANDMARK_INPUT * LANDMARK_INPUT * 3;
    const batch = new Float32Array(crops.length * per);
    crops.forEach((c, i) => cropAndResize(image, c, LANDMARK_INPUT, batch, i * per));
    const out = await nets!.landmarks.run(batch, crops.length);
    return out.map((rel, i) => toImage(rel, crops[i]!));
  }

  async function landmarksFor(image: RgbImage, frame: unknown, crops: Box[]): Promise<Point[][]> {
    if (nets) return landmarksOnnx(image, crops);
    const batch = tf.tidy(() => {
      const f4 = tf.expandDims(tf.cast(frame, 'float32'), 0);
      const normBoxes = crops.map((c) => [
        c.y / (image.height - 1),
        c.x / (image.width - 1),
        (c.y + c.height) / (image.height - 1),
        (c.x + c.width) / (image.width - 1),
      ]);
      return tf.unstack(
        tf.image.cropAndResize(
          f4,
          normBoxes,
          crops.map(() => 0),
          [LANDMARK_INPUT, LANDMARK_INPUT],
        ),
      );
    }) as { dispose(): void }[];
    try {
      const result = await faceapi.nets.faceLandmark68Net.detectLandmarks(batch);
      const all = Array.isArray(result) ? result : [result];
      // face-api's landmark result type is not exported in a usable form.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return all.map((lm: any, i: number) => {
        const c = crops[i]!;
        return lm.relativePositions.map((p: Point) => ({ x: c.x + p.x * c.width, y: c.y + p.y * c.height }));
      });
    } finally {
      for (const t of batch) t.dispose();
    }
  }

  return {
    async locate(image, frame, boxes) {
      if (boxes.length === 0) return [];
      const landmarks = await landmarksFor(
        image,
        frame,
        boxes.map((b) => landmarkCrop(b, options.cropScale)),
      );
      // A second pass on a crop centred on the first landmarks: the detector's box is not always centred on the face.
      if (!options.refine) return landmarks;
      return landmarksFor(
        image,
        frame,
        landmarks.map((lm) => landmarkCrop(landmarkExtent(lm), options.cropScale)),
      );
    },
  };
}
