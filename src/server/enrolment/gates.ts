// Quality gates for enrolment views: each a named, configurable threshold with a stable code and a human-readable reason.
// Detection gates run before any embedding is spent; chip gates (exposure, sharpness) run on the aligned chip after.
import type { FaceDetection } from '../vision/detector.js';
import { measureChip, type ChipQuality } from '../vision/quality.js';
import type { GateCode } from '../../shared/protocol.js';
import { meetsSpoof } from '../recognition/match-policy.js';

export interface GateRules {
  /** Smallest face side, px. */
  minFacePx: number;
  /** Detector confidence at least this. */
  minConfidence: number;
  /** Largest |yaw| and |pitch|, radians. */
  maxAngle: number;
  /** Largest |roll| (head tilt), radians. */
  maxRoll: number;
  /** Liveness required: the view's presentation-attack score (MiniFASNet, FaceDetection.spoof) must reach `minSpoof`. */
  requireLive: boolean;
  minSpoof: number;
  /** Variance of the Laplacian of the grey chip at least this. */
  minSharpness: number;
  /** Mean chip luminance (0..255) within [minBrightness, maxBrightness]. */
  minBrightness: number;
  maxBrightness: number;
  /** Fraction of clipped (black or white) chip pixels at most this. */
  maxClipped: number;
}

export type GateVerdict = { ok: true } | { ok: false; code: GateCode; reason: string };

const ok: GateVerdict = { ok: true };
const fail = (code: GateCode, reason: string): GateVerdict => ({ ok: false, code, reason });
const deg = (rad: number) => Math.round((Math.abs(rad) * 180) / Math.PI);

/** Gates on the detections of one frame, cheapest first. */
export function checkDetections(faces: FaceDetection[], rules: GateRules): GateVerdict {
  if (faces.length === 0) return fail('no_face', 'no face in view');
  if (faces.length > 1) return fail('multiple_faces', `${faces.length} faces in view; enrolment needs exactly one`);
  const face = faces[0]!;
  const side = Math.min(face.box.width, face.box.height);
  if (side < rules.minFacePx) return fail('too_small', `face too small (${Math.round(side)} px, needs ${rules.minFacePx} px): come closer`);
  if (face.score < rules.minConfidence) {
    return fail('low_confidence', `face not clear enough (detector confidence ${face.score.toFixed(2)}, needs ${rules.minConfidence})`);
  }
  const { yaw, pitch, roll } = face.pose;
  if (Math.abs(yaw) > rules.maxAngle) return fail('not_frontal', `head turned ${deg(yaw)}° to the side (at most ${deg(rules.maxAngle)}°): look at the camera`);
  if (Math.abs(pitch) > rules.maxAngle)
    return fail('not_frontal', `head tilted ${deg(pitch)}° up or down (at most ${deg(rules.maxAngle)}°): look straight at the camera`);
  if (Math.abs(roll) > rules.maxRoll)
    return fail('not_frontal', `head leaning ${deg(roll)}° sideways (at most ${deg(rules.maxRoll)}°): hold your head upright`);
  return ok;
}

/**
 * The presentation-attack gate, after the chip gates (a blurred or overexposed view is told so first: MiniFASNet
 * reads such a view as an attack too). A view whose score was not measured is not live.
 */
export function checkLiveness(face: FaceDetection, rules: GateRules): GateVerdict {
  if (!rules.requireLive || meetsSpoof(face.spoof, rules.minSpoof)) return ok;
  const score = face.spoof == null ? 'not measured' : `${face.spoof.toFixed(2)}, needs ${rules.minSpoof}`;
  return fail(
    'not_live',
    `face does not look live (presentation-attack score ${score}): a real person must be in front of the camera, not a photo or a screen`,
  );
}

/** Gates on the aligned chip: exposure first (a dark chip also looks blurred), then sharpness. */
export function checkChip(chip: Uint8Array, size: number, rules: GateRules): { verdict: GateVerdict; quality: ChipQuality } {
  const q = measureChip(chip, size);
  const b = Math.round(q.brightness);
  if (q.brightness < rules.minBrightness)
    return { quality: q, verdict: fail('too_dark', `face too dark (brightness ${b}, needs ${rules.minBrightness}): add light`) };
  if (q.brightness > rules.maxBrightness)
    return { quality: q, verdict: fail('too_bright', `face too bright (brightness ${b}, at most ${rules.maxBrightness}): less light`) };
  if (q.clipped > rules.maxClipped) {
    return {
      quality: q,
      verdict: fail('too_bright', `${Math.round(q.clipped * 100)}% of the face is over- or under-exposed (at most ${Math.round(rules.maxClipped * 100)}%)`),
    };
  }
  if (q.sharpness < rules.minSharpness) {
    return { quality: q, verdict: fail('blurry', `face is blurred (sharpness ${q.sharpness.toFixed(0)}, needs ${rules.minSharpness}): hold still`) };
  }
  return { quality: q, verdict: ok };
}
