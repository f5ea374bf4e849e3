// Face landmarks for alignment: face-api's 68-landmark net on a square crop around each detector box (optionally a
// second pass centred on the first pass's landmarks). Every embedder here aligns from these points.
import type { Point, RgbImage } from './align.js';
import type { Box } from './detector.js';
import type { Runtime } from './runtime.js';

const LANDMARK_INPUT = 112;

export interface Landmarker {
  /** 68 landmarks (image pixels) for each box of one frame; `frame` is the int32 [h, w, 3] tensor of `image`. */
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

export async function createLandmarker(rt: Runtime, options: { cropScale: number; refine: boolean }): Promise<Landmarker> {
  const { tf, faceapi } = rt;
  if (!faceapi.nets.faceLandmark68Net.isLoaded) await faceapi.nets.faceLandmark68Net.loadFromDisk(rt.modelDirs.faceapi);

  async function landmarksFor(image: RgbImage, frame: unknown, crops: Box[]): Promise<Point[][]> {
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
