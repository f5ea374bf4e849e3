// The enrolment rules, from the settings, in one place: live enrolment over the socket and enrolment from photos
// (REST uploads, bulk imports) differ only where a photo must: no pose plan, no liveness; an operator uploading photos
// over REST may confirm a look-alike and overrule a soft gate ("use anyway").
import type { Pose } from '../../shared/protocol.js';
import type { Config } from '../config.js';
import type { MatchPolicy } from '../recognition/match-policy.js';
import type { CaptureRules } from './capture.js';

export type EnrolmentSettings = Pick<
  Config,
  | 'ENROL_MIN_FACE_PX'
  | 'ENROL_MIN_CONFIDENCE'
  | 'DETECT_MIN_CONFIDENCE'
  | 'ENROL_MAX_ANGLE'
  | 'ENROL_MAX_ROLL'
  | 'ENROL_REQUIRE_LIVE'
  | 'ENROL_MIN_SPOOF'
  | 'ENROL_MIN_SHARPNESS'
  | 'ENROL_MIN_BRIGHTNESS'
  | 'ENROL_MAX_BRIGHTNESS'
  | 'ENROL_MAX_CLIPPED'
  | 'ENROL_MAX_SIMILARITY'
  | 'ENROL_POSES'
  | 'ENROL_POSE_YAW'
>;

export type EnrolmentSource =
  /** Views from a live camera: the pose plan, the liveness gate when ENROL_REQUIRE_LIVE, and the operator may confirm a look-alike. */
  | { kind: 'live'; allowDuplicate: boolean }
  /** Still photos: any number of views of any pose; no liveness gate (an operator uploading a photo vouches for it). */
  | { kind: 'photo'; allowDuplicate?: boolean; useAnyway?: boolean };

export function enrolmentRules(c: EnrolmentSettings, policy: Pick<MatchPolicy, 'duplicateThreshold'>, required: number, source: EnrolmentSource): CaptureRules {
  const live = source.kind === 'live';
  return {
    required,
    minFacePx: c.ENROL_MIN_FACE_PX,
    // The detector never returns a face below DETECT_MIN_CONFIDENCE, so that is the floor on either path.
    minConfidence: Math.max(c.ENROL_MIN_CONFIDENCE, c.DETECT_MIN_CONFIDENCE),
    maxAngle: c.ENROL_MAX_ANGLE,
    maxRoll: c.ENROL_MAX_ROLL,
    requireLive: live && c.ENROL_REQUIRE_LIVE,
    minSpoof: c.ENROL_MIN_SPOOF,
    minSharpness: c.ENROL_MIN_SHARPNESS,
    minBrightness: c.ENROL_MIN_BRIGHTNESS,
    maxBrightness: c.ENROL_MAX_BRIGHTNESS,
    maxClipped: c.ENROL_MAX_CLIPPED,
    maxSimilarityToTaken: c.ENROL_MAX_SIMILARITY,
    poses: live ? (c.ENROL_POSES as Pose[]) : [],
    poseYaw: c.ENROL_POSE_YAW,
    duplicateThreshold: policy.duplicateThreshold,
    allowDuplicate: source.allowDuplicate === true,
    // Only photos: a camera in front of a person gets the person to fix the view instead.
    useAnyway: source.kind === 'photo' && source.useAnyway === true,
  };
}
