// Training data for the head: a seeded person-disjoint train/validation split, cached embeddings, and validation scoring.
import { verificationReport, type VerificationReport } from './metrics.js';
import type { Person } from './dataset.js';
import { generatePairs, prng, shuffle } from './pairs.js';
import { cosine } from './evaluate.js';

export interface Split {
  train: Person[];
  val: Person[];
}

/** People with 2+ images are split by `valFraction`; single-image people too (they only ever serve as negatives). */
export function splitPeople(people: Person[], valFraction: number, seed: number): Split {
  const rand = prng(seed);
  const multi = shuffle(
    people.filter((p) => p.images.length >= 2),
    rand,
  );
  const single = shuffle(
    people.filter((p) => p.images.length < 2),
    rand,
  );
  const cut = (xs: Person[]) => Math.round(xs.length * valFraction);
  const nm = cut(multi),
    ns = cut(single);
  return { val: [...multi.slice(0, nm), ...single.slice(0, ns)], train: [...multi.slice(nm), ...single.slice(ns)] };
}

export interface LabelledSet {
  paths: string[];
  labels: number[];
  vectors: number[][];
}

/** Validation: balanced pairs over the validation people (folds as many as 10 that the same pairs allow). */
export function validationPairs(people: Person[], seed: number): { a: string; b: string; same: boolean }[] {
  const same = people.reduce((n, p) => n + (p.images.length * (p.images.length - 1)) / 2, 0);
  const folds = Math.max(1, Math.min(10, same));
  return generatePairs(people, { seed, folds }).pairs;
}

export interface DistanceStats {
  /** Mean Euclidean distance between unit embeddings (the original compare.py's number). */
  same: number;
  different: number;
}

export function scoreSet(
  pairs: { a: string; b: string; same: boolean }[],
  vec: Map<string, ArrayLike<number>>,
): { report: VerificationReport; distances: DistanceStats } {
  // Pairs with an image that gave no embedding score as errors (validation never drops them either).
  const scored = pairs.map((p) => {
    const va = vec.get(p.a),
      vb = vec.get(p.b);
    const s = va && vb ? cosine(Array.from(va), Array.from(vb)) : null;
    return { same: p.same, score: s ?? (p.same ? -Infinity : Infinity), dist: s === null ? null : Math.sqrt(Math.max(0, 2 - 2 * s)) };
  });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
  const folds = Math.max(2, Math.min(10, Math.floor(pairs.length / 2)));
  return {
    report: verificationReport(scored, folds),
    distances: {
      same: mean(scored.filter((x) => x.same && x.dist !== null).map((x) => x.dist!)),
      different: mean(scored.filter((x) => !x.same && x.dist !== null).map((x) => x.dist!)),
    },
  };
}
