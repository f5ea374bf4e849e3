// Face detection with Human (BlazeFace + face mesh): boxes, confidence and head pose for every face in a frame.
import { meshAt, meshExtent } from './face-mesh.js';
import type { Runtime } from './runtime.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FaceDetection {
  box: Box;
  /** Detector confidence, 0..1. */
  score: number;
  /** Head pose in radians, from the face mesh. */
  pose: { yaw: number; pitch: number; roll: number };
  /**
   * MiniFASNet's mean "real" probability (minifasnet.ts), 0..1: the presentation-attack score policy decisions read.
   * Measured on frames analysed with `liveness: true`; null when the models are not loaded, absent when not measured.
   */
  spoof?: number | null;
  /** The live detector's own box (BlazeFace's, before it is mapped onto the mesh's geometry): where the mesh looks. */
  detectorBox?: Box;
  /**
   * The live detector scored this face between LIVE_DETECT_FLOOR and DETECT_MIN_CONFIDENCE: perhaps a face, perhaps
   * not. A track it starts stays hidden until the face mesh finds a face in its box (tracking/tracker.ts).
   */
  tentative?: boolean;
}

export interface DetectorOptions {
  minConfidence: number;
  maxFaces: number;
}

export interface Detector {
  /** `image` is a float32 (values 0..255) or int32 [height, width, 3] tensor; it is not disposed here. */
  detect(image: unknown): Promise<FaceDetection[]>;
  /**
   * Human's face mesh on given BlazeFace boxes, without Human's detector (face-mesh.ts): each face's mesh box and pose,
   * or null where the mesh finds no face. Absent when the mesh model did not load.
   */
  meshAt?(image: unknown, boxes: Box[], scores: number[]): Promise<(FaceDetection | null)[]>;
}

export async function createDetector(rt: Runtime, opts: DetectorOptions): Promise<Detector> {
  const human = new rt.Human({
    backend: rt.backend,
    modelBasePath: `file://${rt.modelDirs.human}/`,
    debug: false,
    async: true,
    warmup: 'none',
    // Human caches results between "similar" frames by default; one instance serves many sessions, so never reuse.
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: { rotation: false, maxDetected: opts.maxFaces, minConfidence: opts.minConfidence, skipFrames: 0, skipTime: 0, return: false },
      mesh: { enabled: true },
      attention: { enabled: false },
      iris: { enabled: false },
      description: { enabled: false },
      emotion: { enabled: false },
      // Off, and not loaded: they passed a printed photo at 0.66 and 1.0 (issue 17). The presentation-attack check is
      // MiniFASNet (minifasnet.ts), on the faces being named.
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  });
  await human.load();
  const meshModel = human.models?.models?.facemesh;
  return {
    meshAt: meshModel
      ? (image, boxes, scores) => meshAt({ tf: rt.tf, model: meshModel }, image as { shape: number[] }, boxes, scores, opts.minConfidence)
      : undefined,
    async detect(image) {
      const result = await human.detect(image);
      if (result.error) throw new Error(`face detection failed: ${result.error}`);
      // Human's FaceResult type does not declare the fields read here (mesh, box as a tuple, rotation).
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (result.face as any[]).map((f) => ({
        // Human's `box` is the enlarged crop it fed the mesh model; the mesh's own extent is the face.
        box: f.mesh?.length > 0 ? meshExtent(f.mesh) : { x: f.box[0], y: f.box[1], width: f.box[2], height: f.box[3] },
        score: f.boxScore ?? f.score,
        pose: { yaw: f.rotation?.angle?.yaw ?? 0, pitch: f.rotation?.angle?.pitch ?? 0, roll: f.rotation?.angle?.roll ?? 0 },
      }));
    },
  };
}
