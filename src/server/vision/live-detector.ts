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
  opts: { minConfidence: number; maxFaces: number; modelsDir: string },
): Promise<{ detector: LiveDetector | null; note: string }> {
  if (choice === 'human') return { detector: null, note: 'live detector: human (LIVE_DETECTOR=human)' };
  const loaded = loadOrt();
  let failure: string;
  if ('ort' in loaded) {
    try {
      const model = await loadBlazeFaceOnnx(loaded.ort, path.join(opts.modelsDir, BLAZEFACE_MODEL), opts);
      const description = `live detector: onnx:blazeface-back-${model.inputSize} (onnxruntime-node ${loaded.version}, 1 thread)`;
      return {
        note: description,
        detector: {
          description,
          async detect(image) {
            return (await model.detect(image)).map((d) => ({ box: toMeshBox(d.box), score: d.score, pose: keypointPose(d.keypoints), detectorBox: d.box }));
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
