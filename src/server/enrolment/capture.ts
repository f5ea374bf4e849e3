// One enrolment in progress: collects good, different views of one face from the live stream, spread over the planned
// poses. Nothing is written while collecting; the caller commits the finished set in one transaction.
import type { GateCode, Pose } from '../../shared/protocol.js';
import type { Match } from '../gallery/gallery.js';
import type { FaceDetection } from '../vision/detector.js';
import type { FaceEmbedding } from '../vision/embedder.js';
import { CHIP_SIZE } from '../vision/embedder.js';
import { SOFT_GATES, checkChip, checkDetections, checkLiveness, type GateRules, type GateVerdict } from './gates.js';
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
  /** The operator chose "use anyway": a view refused only by soft gates (SOFT_GATES) is taken, the refusals recorded. */
  useAnyway?: boolean;
}

/** What the gates measured on a view, kept with the stored face (angles in degrees). */
export interface ViewMeasures {
  facePx: number;
  confidence: number;
  yaw: number;
  pitch: number;
  roll: number;
  brightness: number;
  clipped: number;
  sharpness: number;
}

/** A soft gate the operator overruled for this view, with the refusal it would have been. */
export interface Overridden {
  code: GateCode;
  reason: string;
}

export type ViewVerdict = { ok: true; pose: Pose; overridden?: Overridden[] } | { ok: false; code: GateCode; reason: string; pose?: Pose; duplicate?: Match };

export interface CapturedView {
  embedding: Float32Array;
  chip: Uint8Array;
  /** The wide chip `chip` is the centre of (vision/chip-geometry.ts): what the gallery stores, where the embedder made one. */
  wideChip?: Uint8Array;
  /** 0..1: detector confidence, kept with the face for operators. */
  quality: number;
  pose: Pose;
  /** What the gates measured (absent on views made elsewhere, e.g. tests). */
  measures?: ViewMeasures;
  /** Soft gates overruled by the operator (empty or absent: the view passed every gate). */
  overridden?: Overridden[];
}

const degrees = (rad: number) => Math.round(((Math.abs(rad) * 180) / Math.PI) * 10) / 10;

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
    const overridden: Overridden[] = [];
    const gate = this.overrule(checkDetections(faces, this.rules), overridden, (rules) => checkDetections(faces, rules));
    if (!gate.ok) return gate;
    const pose = classifyPose(faces[0]!.pose.yaw, this.rules.poseYaw);
    if (!this.plan.accepts(pose, this.views.length)) {
      const wanted = this.plan.wanted();
      const next = wanted ? POSE_PROMPTS[wanted] : 'change your pose a little';
      return { ok: false, code: 'pose_done', pose, reason: `already have the ${pose} view: ${next}` };
    }
    return { ok: true, pose, ...(overridden.length ? { overridden } : {}) };
  }

  /**
   * With "use anyway", a soft refusal is recorded and the next gate is asked in its place (a detection gate stops at
   * its first refusal, so the detections are checked again without the gates already overruled); a hard one stands.
   */
  private overrule(verdict: GateVerdict, into: Overridden[], recheck?: (rules: GateRules) => GateVerdict): GateVerdict {
    let v = verdict;
    let rules: GateRules = this.rules;
    // Each soft gate is overruled once: a refusal that comes back after its gate was opened stands (no endless loop).
    while (!v.ok && this.rules.useAnyway) {
      const { code, reason } = v;
      if (!SOFT_GATES.has(code) || into.some((o) => o.code === code)) break;
      into.push({ code, reason });
      rules = loosen(rules, code);
      v = recheck ? recheck(rules) : { ok: true };
    }
    return v;
  }

  /**
   * Offers the embedded view of a frame that passed checkFrame. `candidates` are the gallery's best matches for it.
   * Chip gates, then the duplicate-person check, then near-duplicates of views already taken.
   */
  offer(face: FaceDetection, embedded: FaceEmbedding, candidates: Match[], overruled: Overridden[] = []): ViewVerdict {
    const pose = classifyPose(face.pose.yaw, this.rules.poseYaw);
    const overridden = [...overruled];
    const { verdict: chipFirst, quality } = checkChip(embedded.chip, CHIP_SIZE, this.rules);
    const verdict = this.overrule(chipFirst, overridden, (rules) => checkChip(embedded.chip, CHIP_SIZE, rules).verdict);
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
      if (s > this.rules.maxSimilarityToTaken) {
        const same: GateVerdict = {
          ok: false,
          code: 'same_view',
          reason: `same view as one already taken (similarity ${s.toFixed(3)}, at most ${this.rules.maxSimilarityToTaken}, ENROL_MAX_SIMILARITY): move your head a little`,
        };
        const v = this.overrule(same, overridden);
        if (!v.ok) return { ...v, pose };
        break;
      }
    }
    const measures: ViewMeasures = {
      facePx: Math.round(Math.min(face.box.width, face.box.height)),
      confidence: Math.round(face.score * 1000) / 1000,
      yaw: degrees(face.pose.yaw),
      pitch: degrees(face.pose.pitch),
      roll: degrees(face.pose.roll),
      brightness: Math.round(quality.brightness * 10) / 10,
      clipped: Math.round(quality.clipped * 1000) / 1000,
      sharpness: Math.round(quality.sharpness * 10) / 10,
    };
    this.views.push({
      embedding: embedded.embedding,
      chip: embedded.chip,
      ...(embedded.wideChip ? { wideChip: embedded.wideChip } : {}),
      quality: Math.min(1, Math.max(0, face.score)),
      pose,
      measures,
      overridden,
    });
    this.plan.record(pose);
    return { ok: true, pose, ...(overridden.length ? { overridden } : {}) };
  }
}

/** The rules with one soft gate opened, so the gates after it are still asked. */
function loosen(rules: GateRules, code: GateCode): GateRules {
  switch (code) {
    case 'too_small':
      return { ...rules, minFacePx: 0 };
    case 'low_confidence':
      return { ...rules, minConfidence: 0 };
    case 'not_frontal':
      return { ...rules, maxAngle: Math.PI, maxRoll: Math.PI };
    case 'too_dark':
      return { ...rules, minBrightness: 0 };
    case 'too_bright':
      return { ...rules, maxBrightness: 255, maxClipped: 1 };
    case 'blurry':
      return { ...rules, minSharpness: 0 };
    default:
      return rules;
  }
}
