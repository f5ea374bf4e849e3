// The enrolment side of a session: enrol.start / enrol.cancel, per-frame gating of candidate views, progress messages,
// the duplicate-person stop, and the commit. Nothing is stored until every view is collected.
import type { GateCode, Pose, ServerMessage } from '../../shared/protocol.js';
import type { Config } from '../config.js';
import type { Gallery, Match } from '../gallery/gallery.js';
import type { Logger } from '../log.js';
import type { FaceDetection } from '../vision/detector.js';
import type { FaceEmbedding } from '../vision/embedder.js';
import { EnrolmentCapture, type CaptureRules, type ViewVerdict } from './capture.js';
import { commitViews, type EnrolmentDeps } from './commit.js';

export interface EnrolmentFlowDeps {
  config: Config;
  gallery: Gallery;
  enrolment: EnrolmentDeps;
  log: Logger;
  send: (msg: ServerMessage) => void;
  protocolError: (code: 'out_of_order' | 'enrol_failed', message: string) => void;
  isClosed: () => boolean;
}

export function captureRules(c: Config, required: number, allowDuplicate: boolean): CaptureRules {
  return {
    required,
    minFacePx: c.ENROL_MIN_FACE_PX,
    minConfidence: Math.max(c.ENROL_MIN_CONFIDENCE, c.DETECT_MIN_CONFIDENCE),
    maxAngle: c.ENROL_MAX_ANGLE,
    maxRoll: c.ENROL_MAX_ROLL,
    requireLive: c.ENROL_REQUIRE_LIVE,
    minReal: c.LIVENESS_MIN_REAL,
    minLive: c.LIVENESS_MIN_LIVE,
    minSharpness: c.ENROL_MIN_SHARPNESS,
    minBrightness: c.ENROL_MIN_BRIGHTNESS,
    maxBrightness: c.ENROL_MAX_BRIGHTNESS,
    maxClipped: c.ENROL_MAX_CLIPPED,
    maxSimilarityToTaken: c.ENROL_MAX_SIMILARITY,
    poses: c.ENROL_POSES as Pose[],
    poseYaw: c.ENROL_POSE_YAW,
    // A face is someone else's only if it would be recognized as them: never below the match threshold.
    duplicateThreshold: Math.max(c.ENROL_DUPLICATE_THRESHOLD, c.MATCH_THRESHOLD),
    allowDuplicate,
  };
}

export class EnrolmentFlow {
  private capture: EnrolmentCapture | null = null;
  private committing = false;

  constructor(private readonly deps: EnrolmentFlowDeps) {}

  /** An enrolment is collecting views (not while it is being committed). */
  get collecting(): boolean {
    return this.capture !== null && !this.committing;
  }

  start(name: string, samples: number | undefined, allowDuplicate: boolean): void {
    if (this.capture || this.committing) return this.deps.protocolError('out_of_order', 'an enrolment is already in progress on this connection');
    const rules = captureRules(this.deps.config, samples ?? this.deps.config.ENROL_SAMPLES, allowDuplicate);
    this.capture = new EnrolmentCapture(name, rules);
    this.deps.send({ type: 'enrol.started', name, required: rules.required, poses: rules.poses });
  }

  cancel(): void {
    if (!this.capture) return this.deps.protocolError('out_of_order', 'enrol.cancel without an enrolment in progress');
    this.capture = null;
    this.deps.send({ type: 'enrol.cancelled', reason: 'cancelled by client', code: 'cancelled' });
  }

  /** The client went away: whatever was collected is dropped (nothing of it was written). */
  drop(): void {
    this.capture = null;
  }

  /** Gates this frame's faces; null when no enrolment is collecting. An ok verdict means: embed face 0. */
  check(faces: FaceDetection[]): ViewVerdict | null {
    return this.collecting ? this.capture!.checkFrame(faces) : null;
  }

  /** Reports the frame's verdict; when it passed the detection gates, offers face 0's embedding. */
  report(seq: number, faces: FaceDetection[], check: ViewVerdict, embedded: FaceEmbedding | undefined, candidates: Match[]): void {
    const capture = this.capture;
    if (!capture || this.committing) return;
    const verdict = check.ok && embedded ? capture.offer(faces[0]!, embedded, candidates) : check;
    this.deps.send({
      type: 'enrol.progress',
      seq,
      collected: capture.views.length,
      required: capture.rules.required,
      accepted: verdict.ok,
      reason: verdict.ok ? null : verdict.reason,
      code: verdict.ok ? null : (verdict.code as GateCode),
      pose: verdict.pose ?? null,
      poses: { done: capture.plan.done(), wanted: capture.plan.wanted() },
    });
    if (!verdict.ok && verdict.duplicate) {
      const d = verdict.duplicate;
      this.capture = null;
      this.deps.log.info('enrolment stopped: duplicate', { name: capture.name, matches: d.personId, score: d.score });
      this.deps.send({
        type: 'enrol.cancelled',
        code: 'duplicate',
        reason: `${verdict.reason}; confirm to enrol "${capture.name}" anyway`,
        duplicate: { personId: d.personId, name: d.name, score: d.score },
      });
      return;
    }
    if (capture.complete) void this.commit(capture);
  }

  private async commit(capture: EnrolmentCapture): Promise<void> {
    this.committing = true;
    const { deps } = this;
    try {
      const result = await commitViews(deps.enrolment, capture.name, capture.views);
      deps.log.info('enrolled', { person: result.personId, name: result.name, faces: result.faceIds.length, created: result.created, poses: capture.views.map((v) => v.pose) });
      if (!deps.isClosed()) deps.send({ type: 'enrol.done', personId: result.personId, name: result.name, faces: result.faceIds.length, created: result.created });
    } catch (err) {
      deps.log.error('enrolment commit failed', { name: capture.name, error: String(err) });
      if (!deps.isClosed()) {
        deps.protocolError('enrol_failed', `enrolment of "${capture.name}" could not be saved; nothing was stored`);
        deps.send({ type: 'enrol.cancelled', reason: 'could not be saved', code: 'failed' });
      }
    } finally {
      if (this.capture === capture) this.capture = null;
      this.committing = false;
    }
  }
}
