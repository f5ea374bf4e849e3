// One enrolment in progress: collects several good, different views of one face from the live stream.
// Nothing is written while collecting; the caller commits the finished set in one transaction.
import type { FaceDetection } from '../vision/detector.js';
import type { FaceEmbedding } from '../vision/embedder.js';

export interface CaptureRules {
  /** Views to collect. */
  required: number;
  /** Smallest face side in pixels. */
  minFacePx: number;
  /** Detector confidence at least this. */
  minConfidence: number;
  /** Largest |yaw| and |pitch| in radians: a roughly frontal face. */
  maxAngle: number;
  /** Views more similar than this to one already taken add nothing and are skipped. */
  maxSimilarityToTaken: number;
}

export type ViewVerdict = { ok: true } | { ok: false; reason: string };

/** Checks a frame's faces before any embedding is spent on them. */
export function checkView(faces: FaceDetection[], rules: CaptureRules): ViewVerdict {
  if (faces.length === 0) return { ok: false, reason: 'no face in view' };
  if (faces.length > 1) return { ok: false, reason: `${faces.length} faces in view; enrolment needs exactly one` };
  const face = faces[0]!;
  const side = Math.min(face.box.width, face.box.height);
  if (side < rules.minFacePx) return { ok: false, reason: `face too small (${Math.round(side)} px, needs ${rules.minFacePx} px): come closer` };
  if (face.score < rules.minConfidence) return { ok: false, reason: `face not clear enough (confidence ${face.score.toFixed(2)})` };
  const angle = Math.max(Math.abs(face.pose.yaw), Math.abs(face.pose.pitch));
  if (angle > rules.maxAngle) return { ok: false, reason: 'face turned too far: look at the camera' };
  return { ok: true };
}

export interface CapturedView {
  embedding: Float32Array;
  chip: Uint8Array;
  quality: number;
}

export class EnrolmentCapture {
  readonly views: CapturedView[] = [];

  constructor(
    readonly name: string,
    readonly rules: CaptureRules,
  ) {}

  get complete(): boolean {
    return this.views.length >= this.rules.required;
  }

  /** Offers the embedded view of an accepted frame; refuses near-duplicates of views already taken. */
  offer(face: FaceDetection, embedded: FaceEmbedding): ViewVerdict {
    for (const taken of this.views) {
      let s = 0;
      for (let i = 0; i < taken.embedding.length; i++) s += taken.embedding[i]! * embedded.embedding[i]!;
      if (s > this.rules.maxSimilarityToTaken) return { ok: false, reason: 'same view as one already taken: move your head a little' };
    }
    this.views.push({ embedding: embedded.embedding, chip: embedded.chip, quality: face.score });
    return { ok: true };
  }
}
