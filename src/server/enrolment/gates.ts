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

/**
 * Gates an operator may overrule ("use anyway"): the view is usable, only worse than the gate asks. The others stay
 * hard: no face (nothing to store), several faces (pick one first), a presentation attack, and a duplicate person (only
 * its own confirmation lets it through).
 */
export const SOFT_GATES: ReadonlySet<GateCode> = new Set<GateCode>([
  'too_small',
  'low_confidence',
  'not_frontal',
  'too_dark',
  'too_bright',
  'blurry',
  'same_view',
]);

const ok: GateVerdict = { ok: true };
const fail = (code: GateCode, reason: string): GateVerdict => ({ ok: false, code, reason });
const deg = (rad: number) => Math.round((Math.abs(rad) * 180) / Math.PI);
const round2 = (x: number) => Math.round(x * 100) / 100;

// Every comparison is made on the value as the reason shows it, so a view shown at the threshold passes: "sharpness 40,
// needs 40" is never a refusal. Every reason names what was measured, the setting and its value, and what to do.

/** Gates on the detections of one frame, cheapest first. */
export function checkDetections(faces: FaceDetection[], rules: GateRules): GateVerdict {
  if (faces.length === 0) return fail('no_face', 'no face found: face the camera, or use a photo in which the face is visible');
  if (faces.length > 1)
    return fail('multiple_faces', `${faces.length} faces in view; enrolment needs exactly one: only the person to enrol in front of the camera`);
  const face = faces[0]!;
  const side = Math.round(Math.min(face.box.width, face.box.height));
  if (side < rules.minFacePx)
    return fail('too_small', `face too small (${side} px, needs ${rules.minFacePx} px, ENROL_MIN_FACE_PX): come closer or use a larger photo`);
  if (round2(face.score) < rules.minConfidence) {
    return fail(
      'low_confidence',
      `face not clear enough (detector confidence ${face.score.toFixed(2)}, needs ${rules.minConfidence}, ENROL_MIN_CONFIDENCE): face the camera with nothing covering the face`,
    );
  }
  const { yaw, pitch, roll } = face.pose;
  const maxAngle = deg(rules.maxAngle);
  if (deg(yaw) > maxAngle) return fail('not_frontal', `head turned ${deg(yaw)}° to the side (at most ${maxAngle}°, ENROL_MAX_ANGLE): look at the camera`);
  if (deg(pitch) > maxAngle)
    return fail('not_frontal', `head tilted ${deg(pitch)}° up or down (at most ${maxAngle}°, ENROL_MAX_ANGLE): look straight at the camera`);
  if (deg(roll) > deg(rules.maxRoll))
    return fail('not_frontal', `head leaning ${deg(roll)}° sideways (at most ${deg(rules.maxRoll)}°, ENROL_MAX_ROLL): hold your head upright`);
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
  return { quality: q, verdict: chipVerdict(q, rules) };
}

export function chipVerdict(q: ChipQuality, rules: GateRules): GateVerdict {
  const b = Math.round(q.brightness);
  if (b < rules.minBrightness)
    return fail('too_dark', `face too dark (brightness ${b}, needs ${rules.minBrightness}, ENROL_MIN_BRIGHTNESS): add light in front of the face`);
  if (b > rules.maxBrightness)
    return fail('too_bright', `face too bright (brightness ${b}, at most ${rules.maxBrightness}, ENROL_MAX_BRIGHTNESS): less light, or away from the window`);
  const clipped = Math.round(q.clipped * 100);
  if (clipped > Math.round(rules.maxClipped * 100)) {
    return fail(
      'too_bright',
      `${clipped}% of the face is over- or under-exposed (at most ${Math.round(rules.maxClipped * 100)}%, ENROL_MAX_CLIPPED): even out the light on the face`,
    );
  }
  const sharp = Math.round(q.sharpness);
  if (sharp < rules.minSharpness)
    return fail('blurry', `face is blurred (sharpness ${sharp}, needs ${rules.minSharpness}, ENROL_MIN_SHARPNESS): hold still, or use a sharper photo`);
  return ok;
}
