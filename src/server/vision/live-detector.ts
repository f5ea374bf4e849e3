// The detector for live frames that need boxes only: BlazeFace (256 px, full range) on onnxruntime-node, its box mapped
// onto the face mesh's box and a rough head pose from its six keypoints. Falls back (with the reason) where ORT cannot load.
import path from 'node:path';
import type { RgbImage } from './align.js';
import { loadBlazeFaceOnnx, type BlazeFaceDetection } from './blazeface-onnx.js';
import type { Box, FaceDetection } from './detector.js';
import { loadOrt } from './ort.js';
import type { LiveDetectorChoice } from './settings.js';

export const BLAZEFACE_MODEL = 'blazeface/face_detection_back_256x256_barracuda.onnx';

export interface LiveDetector {
  /** For /health: which model on which runtime. */
  readonly description: string;
  detect(image: RgbImage): Promise<FaceDetection[]>;
}

/**
 * BlazeFace's box (eyebrows to mouth) onto the face mesh's extent (forehead to chin), which tracks, overlays and the
 * embedder's landmark crop were tuned on: centre shift and scale as fractions of BlazeFace's box, medians over the
 * 25 faces of tests/fixtures/faces letterboxed to 640x480 (the mesh box is 12% taller and sits 5% higher).
 */
const TO_MESH_BOX = { dx: -0.009, dy: -0.048, sw: 0.948, sh: 1.124 };
/** yaw ≈ K * (nose x - eye midpoint x) / eye distance; least squares against the mesh's yaw on the same faces (rms error 0.07 rad). */
const YAW_PER_NOSE_OFFSET = -0.604;

export function toMeshBox(b: Box): Box {
  const width = b.width * TO_MESH_BOX.sw,
    height = b.height * TO_MESH_BOX.sh;
  const cx = b.x + b.width * (0.5 + TO_MESH_BOX.dx),
    cy = b.y + b.height * (0.5 + TO_MESH_BOX.dy);
  return { x: cx - width / 2, y: cy - height / 2, width, height };
}

/** Human's face.detector.iouThreshold: of two detector boxes overlapping more than this, it keeps the likelier face. */
export const HUMAN_NMS_IOU = 0.1;

/**
 * The tentative detections (below `minConfidence`) worth a face-mesh check. Not one that overlaps a better detection by
 * more than HUMAN_NMS_IOU (BlazeFace often scores a second, shifted box on a small face at 0.3-0.4, and weighted NMS
 * merges only above IoU 0.3: as a track of its own it would contest the face's own track); not one whose box crosses
 * the frame's edge (a face walking in scores 0.3-0.5 while partly out of view, and is found once whole); not one beside
 * a sure face (below). Each such box became a hidden track checked by the mesh, kept the camera from coasting between
 * detections, and cost the cameras bench's entering scenes about 40% more CPU (docs/accuracy.md). Detections at or
 * above `minConfidence` are all kept, as before. `ds` comes sorted by score, best first.
 */
export function tentativeWorthChecking(ds: BlazeFaceDetection[], minConfidence: number, width: number, height: number): BlazeFaceDetection[] {
  return ds.filter((d, i) => {
    if (d.score >= minConfidence) return true;
    const b = d.box;
    if (b.x < 0 || b.y < 0 || b.x + b.width > width || b.y + b.height > height) return false;
    if (ds.slice(0, i).some((better) => boxIou(better.box, b) > HUMAN_NMS_IOU)) return false;
    // Within its own width of a sure face: an ear, a hand or hair beside that face far more often than another person's
    // face (BlazeFace scored three such boxes beside one face in the cameras bench's scenes; the mesh rejected them all).
    const near = { x: b.x - b.width, y: b.y - b.width, width: 3 * b.width, height: b.height + 2 * b.width };
    return !ds.some((sure) => sure.score >= minConfidence && boxIou(sure.box, near) > 0);
  });
}

/** Intersection over union of two boxes (0 for two empty ones). vision/ cannot import tracking/geometry.ts's. */
export function boxIou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.width * a.height + b.width * b.height - inter || 1);
}

/** Yaw and roll from the eyes and nose tip; pitch is not estimated from six points (0). */
export function keypointPose(k: BlazeFaceDetection['keypoints']): FaceDetection['pose'] {
  const [re, le, nose] = [k[0]!, k[1]!, k[2]!];
  const eyeDist = Math.hypot(le.x - re.x, le.y - re.y) || 1;
  return { yaw: (YAW_PER_NOSE_OFFSET * (nose.x - (re.x + le.x) / 2)) / eyeDist, pitch: 0, roll: Math.atan2(le.y - re.y, le.x - re.x) };
}

/**
 * `auto`: BlazeFace on ORT when it loads, else null with the reason; `onnx`: throws instead of falling back;
 * `human`: null (live frames take Human's mesh path like every other frame).
 */
export async function loadLiveDetector(
  choice: LiveDetectorChoice,
  opts: { minConfidence: number; floor?: number; maxFaces: number; modelsDir: string },
): Promise<{ detector: LiveDetector | null; note: string }> {
  if (choice === 'human') return { detector: null, note: 'live detector: human (LIVE_DETECTOR=human)' };
  const loaded = loadOrt();
  let failure: string;
  if ('ort' in loaded) {
    try {
      // Faces from `floor` up to minConfidence come back marked tentative: shown only once the face mesh confirms them.
      const model = await loadBlazeFaceOnnx(loaded.ort, path.join(opts.modelsDir, BLAZEFACE_MODEL), {
        minConfidence: opts.minConfidence,
        maxFaces: opts.maxFaces,
        ...(opts.floor !== undefined ? { floor: opts.floor } : {}),
      });
      const description = `live detector: onnx:blazeface-back-${model.inputSize} (onnxruntime-node ${loaded.version}, 1 thread)`;
      return {
        note: description,
        detector: {
          description,
          async detect(image) {
            const found = tentativeWorthChecking(await model.detect(image), opts.minConfidence, image.width, image.height).slice(0, opts.maxFaces);
            return found.map((d) => ({
              box: toMeshBox(d.box),
              score: d.score,
              pose: keypointPose(d.keypoints),
              detectorBox: d.box,
              ...(d.score < opts.minConfidence ? { tentative: true } : {}),
            }));
          },
        },
      };
    } catch (err) {
      failure = `BlazeFace ONNX did not load: ${err instanceof Error ? err.message : String(err)}`;
    }
  } else failure = loaded.error;
  if (choice === 'onnx') throw new Error(`LIVE_DETECTOR=onnx but ${failure}`);
  return { detector: null, note: `live detector: human (${failure})` };
}
