// The one rule that names a face: who the closest enrolled person is, whether they are close enough, and whether the
// face must look live first. Live frames, REST identify and compare, and the enrolment duplicate check all ask it.
import type { Config } from '../config.js';
import type { Match } from '../gallery/gallery.js';
import type { LivenessVerdict } from '../tracking/liveness-evidence.js';

export interface MatchSettings {
  /** Cosine similarity at or above which a face is the person (the model's calibrated threshold unless overridden). */
  threshold: number;
  /** A face the presentation-attack stage has not found live is never matched to anyone. */
  requireLive: boolean;
  /** MiniFASNet mean "real" probability a single frame needs to count as real. */
  minSpoof: number;
  /** Enrolment stops on a view this close to another person; never below `threshold` (0 = the threshold). */
  enrolDuplicateThreshold: number;
}

/**
 * What is known of a face's liveness: its track's verdict over frames (the live path), or one frame's MiniFASNet score
 * (null or absent when not measured). A verdict, when given, decides.
 */
export interface LivenessScores {
  spoof?: number | null;
  verdict?: LivenessVerdict;
}

export interface MatchDecision {
  /** The person the face is, or null (nobody close enough, or not live while liveness is required). */
  match: Match | null;
  /** The closest person whatever the verdict (null with an empty gallery): what overlays and sightings report. */
  best: Match | null;
}

export interface MatchPolicy {
  readonly threshold: number;
  readonly requireLive: boolean;
  /** MiniFASNet mean "real" probability a single frame needs to count as real (the evidence rule's threshold). */
  readonly minSpoof: number;
  /**
   * Similarity at which an enrolment view counts as someone else's face. A face is someone else's only if it would
   * be recognized as them, so this is never below the match threshold.
   */
  readonly duplicateThreshold: number;
  /** The track's verdict is "live", or (no verdict) the frame's score is measured and at its minimum; not measured = not live. */
  isLive(face: LivenessScores): boolean;
  /**
   * The verdict on a face given the gallery's candidates, best first. A person's score is the similarity of their
   * closest enrolled face (the gallery's top-k over people); the best person wins when at or above the threshold.
   */
  decide(candidates: readonly Match[], face: LivenessScores): MatchDecision;
  /** Two faces of this similarity are the same person (REST compare). */
  same(similarity: number): boolean;
  /** The same rule with `requireLive` read from `requireLive()` at each decision: one camera's policy (camera-policies.ts). */
  forCamera(requireLive: () => boolean): MatchPolicy;
}

/** One frame's presentation-attack score measured and at its minimum (the enrolment gate asks it with its own minimum). */
export function meetsSpoof(spoof: number | null | undefined, minSpoof: number): boolean {
  return spoof != null && spoof >= minSpoof;
}

export function createMatchPolicy(s: MatchSettings, requireLive: () => boolean = () => s.requireLive): MatchPolicy {
  const isLive = (face: LivenessScores) => (face.verdict !== undefined ? face.verdict === 'live' : meetsSpoof(face.spoof, s.minSpoof));
  return {
    threshold: s.threshold,
    get requireLive() {
      return requireLive();
    },
    minSpoof: s.minSpoof,
    duplicateThreshold: Math.max(s.enrolDuplicateThreshold, s.threshold),
    isLive,
    decide(candidates, face) {
      const best = candidates[0] ?? null;
      const liveEnough = !requireLive() || isLive(face);
      return { best, match: best && liveEnough && best.score >= s.threshold ? best : null };
    },
    same: (similarity) => similarity >= s.threshold,
    forCamera: (cameraRequiresLive) => createMatchPolicy(s, cameraRequiresLive),
  };
}

/** The policy of a server's settings (MATCH_THRESHOLD is already the model's when it was not set). */
export function matchPolicyOf(
  c: Pick<Config, 'MATCH_THRESHOLD' | 'RECOGNITION_REQUIRE_LIVE' | 'LIVENESS_MIN_SPOOF' | 'ENROL_DUPLICATE_THRESHOLD'>,
): MatchPolicy {
  return createMatchPolicy({
    threshold: c.MATCH_THRESHOLD,
    requireLive: c.RECOGNITION_REQUIRE_LIVE,
    minSpoof: c.LIVENESS_MIN_SPOOF,
    enrolDuplicateThreshold: c.ENROL_DUPLICATE_THRESHOLD,
  });
}
