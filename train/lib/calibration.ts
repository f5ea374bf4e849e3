// Threshold calibration for a target false-accept rate, from scored pairs (an eval run's scores.tsv or a fresh eval).
import fs from 'node:fs';

export interface Calibration {
  threshold: number;
  far_target: number;
  /** Measured at the threshold on the given pairs. */
  far: number;
  tar: number;
  pairs: number;
  same: number;
  different: number;
}

/**
 * The lowest threshold whose FAR is at most `far`: it sits half way between the highest different-person score it must
 * reject and the next score above, so it does not rest exactly on a measured score. Missed faces (score null) are
 * never accepted: they lower TAR and cannot raise FAR.
 */
export function calibrate(pairs: { same: boolean; score: number | null }[], far: number): Calibration {
  const negs = pairs
    .filter((p) => !p.same && p.score !== null)
    .map((p) => p.score!)
    .sort((a, b) => b - a);
  const N = pairs.filter((p) => !p.same).length,
    P = pairs.length - N;
  const allowed = Math.floor(far * N + 1e-9);
  let threshold: number;
  if (negs.length <= allowed) threshold = -1;
  else {
    const reject = negs[allowed]!; // the (allowed+1)-th highest different-person score: must fall below the threshold
    const above = pairs.map((p) => p.score).filter((s): s is number => s !== null && s > reject);
    threshold = above.length ? (reject + Math.min(...above)) / 2 : reject + 1e-6;
  }
  const accepted = pairs.filter((p) => p.score !== null && p.score >= threshold);
  return {
    threshold,
    far_target: far,
    far: N ? accepted.filter((p) => !p.same).length / N : 0,
    tar: P ? accepted.filter((p) => p.same).length / P : 0,
    pairs: pairs.length,
    same: P,
    different: N,
  };
}

/** Reads eval's scores.tsv (line, a, b, same, score, reason); an empty score is a missed face. */
export function readScores(file: string): { same: boolean; score: number | null }[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => {
      const f = l.split('\t');
      return { same: f[3] === '1', score: f[4] ? Number(f[4]) : null };
    });
}
