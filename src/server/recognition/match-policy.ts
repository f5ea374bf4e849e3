// The one rule that names a face: who the closest enrolled person is, whether they are close enough, and whether the
// face must look live first. Live frames, REST identify and compare, and the enrolment duplicate check all ask it.
import type { Config } from '../config.js';
import type { Match } from '../gallery/gallery.js';

export interface MatchSettings {
  /** Cosine similarity at or above which a face is the person (the model's calibrated threshold unless overridden). */
  threshold: number;
  /** A face that fails the liveness models is never matched to anyone. */
  requireLive: boolean;
  /** Human antispoof ("real") and liveness ("live") scores a face needs to count as live. */
  minReal: number;
  minLive: number;
  /** Enrolment stops on a view this close to another person; never below `threshold` (0 = the threshold). */
  enrolDuplicateThreshold: number;
}

/** Liveness scores of one face; null when the models did not run on it. */
export interface LivenessScores {
  real?: number | null;
  live?: number | null;
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
  /**
   * Similarity at which an enrolment view counts as someone else's face. A face is someone else's only if it would
   * be recognized as them, so this is never below the match threshold.
   */
  readonly duplicateThreshold: number;
  /** Both liveness scores measured and at their minimum. Scores not measured count as not live. */
  isLive(face: LivenessScores): boolean;
  /**
   * The verdict on a face given the gallery's candidates, best first. A person's score is the similarity of their
   * closest enrolled face (the gallery's top-k over people); the best person wins when at or above the threshold.
   */
  decide(candidates: readonly Match[], face: LivenessScores): MatchDecision;
  /** Two faces of this similarity are the same person (REST compare). */
  same(similarity: number): boolean;
}

/** Both liveness scores measured and at their minimum (the enrolment gate asks the same question with its own rules). */
export function meetsLiveness(face: LivenessScores, minReal: number, minLive: number): boolean {
  return face.real != null && face.live != null && face.real >= minReal && face.live >= minLive;
}

export function createMatchPolicy(s: MatchSettings): MatchPolicy {
  const isLive = (face: LivenessScores) => meetsLiveness(face, s.minReal, s.minLive);
  return {
    threshold: s.threshold,
    requireLive: s.requireLive,
    duplicateThreshold: Math.max(s.enrolDuplicateThreshold, s.threshold),
    isLive,
    decide(candidates, face) {
      const best = candidates[0] ?? null;
      const liveEnough = !s.requireLive || isLive(face);
      return { best, match: best && liveEnough && best.score >= s.threshold ? best : null };
    },
    same: (similarity) => similarity >= s.threshold,
  };
}

/** The policy of a server's settings (MATCH_THRESHOLD is already the model's when it was not set). */
export function matchPolicyOf(
  c: Pick<Config, 'MATCH_THRESHOLD' | 'RECOGNITION_REQUIRE_LIVE' | 'LIVENESS_MIN_REAL' | 'LIVENESS_MIN_LIVE' | 'ENROL_DUPLICATE_THRESHOLD'>,
): MatchPolicy {
  return createMatchPolicy({
    threshold: c.MATCH_THRESHOLD,
    requireLive: c.RECOGNITION_REQUIRE_LIVE,
    minReal: c.LIVENESS_MIN_REAL,
    minLive: c.LIVENESS_MIN_LIVE,
    enrolDuplicateThreshold: c.ENROL_DUPLICATE_THRESHOLD,
  });
}
