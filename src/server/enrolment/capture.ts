// One enrolment in progress: collects good, different views of one face from the live stream, spread over the planned
// poses. Nothing is written while collecting; the caller commits the finished set in one transaction.
import type { GateCode, Pose } from '../../shared/protocol.js';
import type { Match } from '../gallery/gallery.js';
import type { FaceDetection } from '../vision/detector.js';
import type { FaceEmbedding } from '../vision/embedder.js';
import { CHIP_SIZE } from '../vision/embedder.js';
import { checkChip, checkDetections, checkLiveness, type GateRules } from './gates.js';
import { POSE_PROMPTS, PosePlan, classifyPose } from './poses.js';
import { normaliseText } from '../../shared/text.js';

const sameName = (a: string, b: string) => normaliseText(a).toLowerCase() === normaliseText(b).toLowerCase();

export interface CaptureRules extends GateRules {
  /** Views to collect. */
  required: number;
  /** Views more similar than this to one already taken add nothing and are skipped. */
  maxSimilarityToTaken: number;
  /** Poses to collect (empty: no guidance). */
  poses: Pose[];
  /** |yaw| from which a head counts as turned left or right, radians. */
  poseYaw: number;
  /** A view matching a different enrolled person at or above this stops the enrolment. */
  duplicateThreshold: number;
  /** The operator confirmed: enrol even if the face matches someone else. */
  allowDuplicate: boolean;
}

export type ViewVerdict = { ok: true; pose: Pose } | { ok: false; code: GateCode; reason: string; pose?: Pose; duplicate?: Match };

export interface CapturedView {
  embedding: Float32Array;
  chip: Uint8Array;
  /** 0..1: detector confidence, kept with the face for operators. */
  quality: number;
  pose: Pose;
}

export class EnrolmentCapture {
  readonly views: CapturedView[] = [];
  readonly plan: PosePlan;

  constructor(
    readonly name: string,
    readonly rules: CaptureRules,
  ) {
    this.plan = new PosePlan(rules.poses, rules.required);
  }

  get complete(): boolean {
    return this.views.length >= this.rules.required;
  }

  /** Checks a frame's faces before any embedding is spent on them: detection gates, then the pose plan. */
  checkFrame(faces: FaceDetection[]): ViewVerdict {
    const gate = checkDetections(faces, this.rules);
    if (!gate.ok) return gate;
    const pose = classifyPose(faces[0]!.pose.yaw, this.rules.poseYaw);
    if (!this.plan.accepts(pose, this.views.length)) {
      const wanted = this.plan.wanted();
      const next = wanted ? POSE_PROMPTS[wanted] : 'change your pose a little';
      return { ok: false, code: 'pose_done', pose, reason: `already have the ${pose} view: ${next}` };
    }
    return { ok: true, pose };
  }

  /**
   * Offers the embedded view of a frame that passed checkFrame. `candidates` are the gallery's best matches for it.
   * Chip gates, then the duplicate-person check, then near-duplicates of views already taken.
   */
  offer(face: FaceDetection, embedded: FaceEmbedding, candidates: Match[]): ViewVerdict {
    const pose = classifyPose(face.pose.yaw, this.rules.poseYaw);
    const { verdict } = checkChip(embedded.chip, CHIP_SIZE, this.rules);
    if (!verdict.ok) return { ...verdict, pose };
    const live = checkLiveness(face, this.rules);
    if (!live.ok) return { ...live, pose };
    // The same name in another spelling (case, spacing) is the same person: their faces are added, not a duplicate.
    const other = candidates.find((m) => sameName(m.name, this.name) === false && m.score >= this.rules.duplicateThreshold);
    if (other && !this.rules.allowDuplicate) {
      return {
        ok: false,
        code: 'duplicate_person',
        pose,
        duplicate: other,
        reason: `this face is already enrolled as "${other.name}" (similarity ${other.score.toFixed(2)})`,
      };
    }
    for (const taken of this.views) {
      let s = 0;
      for (let i = 0; i < taken.embedding.length; i++) s += taken.embedding[i]! * embedded.embedding[i]!;
      if (s > this.rules.maxSimilarityToTaken) return { ok: false, code: 'same_view', pose, reason: 'same view as one already taken: move your head a little' };
    }
    this.views.push({ embedding: embedded.embedding, chip: embedded.chip, quality: Math.min(1, Math.max(0, face.score)), pose });
    this.plan.record(pose);
    return { ok: true, pose };
  }
}
