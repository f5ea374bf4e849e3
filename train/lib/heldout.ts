// Held-out verification, k-fold by identity: fusion constants and thresholds are estimated on the other folds' people,
// and every figure is measured on people that chose nothing. Pure functions over cached per-model embeddings.
import { auc, bestThreshold, tarAtFar, type ScoredPair } from './metrics.js';
import type { Person } from './dataset.js';
import { prng, shuffle } from './pairs.js';
import type { ImageParts, PartsResult } from './parts.js';

/** How a pair is scored: one model's cosine, or the fused mean z-score with constants from the training people. */
export const METHODS = ['resnet', 'mobilefacenet', 'fused', 'fused_regallery'] as const;
export type Method = (typeof METHODS)[number];
export const METHOD_HELP: Record<Method, string> = {
  resnet: 'dlib ResNet alone (the current default)',
  mobilefacenet: 'MobileFaceNet alone (ArcFace crop from the photo)',
  fused: 'z-scored ResNet + MobileFaceNet cosines, averaged (the fused model)',
  fused_regallery: 'fused, one side re-embedded from its stored dlib chip (a gallery migrated from the ResNet model)',
};

export interface ZParams {
  resnet: { mean: number; std: number };
  mobilefacenet: { mean: number; std: number };
}

export const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

/** Different-person pairs of these people, every one (the data sets here are small). */
export function differentPairs(people: Person[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < people.length; i++)
    for (let j = i + 1; j < people.length; j++) for (const a of people[i]!.images) for (const b of people[j]!.images) out.push([a, b]);
  return out;
}
export function samePairs(people: Person[]): [string, string][] {
  return people.flatMap((p) => p.images.flatMap((a, i) => p.images.slice(i + 1).map((b) => [a, b] as [string, string])));
}

function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) || 1 };
}

/** z-norm constants: mean and spread of each model's cosine over different-person pairs (impostor statistics). */
export function fitZParams(vec: Map<string, PartsResult>, people: Person[]): ZParams {
  const pairs = differentPairs(people).filter(([a, b]) => vec.get(a)?.ok && vec.get(b)?.ok);
  const parts = (rel: string) => (vec.get(rel) as { ok: true; parts: ImageParts }).parts;
  return {
    resnet: meanStd(pairs.map(([a, b]) => dot(parts(a).resnet, parts(b).resnet))),
    mobilefacenet: meanStd(pairs.map(([a, b]) => dot(parts(a).mfn, parts(b).mfn))),
  };
}

/** The pair's score under `method`, or null when a face is missing. */
export function scorePair(method: Method, a: PartsResult | undefined, b: PartsResult | undefined, z: ZParams): number | null {
  if (!a?.ok || !b?.ok) return null;
  const r = dot(a.parts.resnet, b.parts.resnet);
  if (method === 'resnet') return r;
  const m = dot(a.parts.mfn, method === 'fused_regallery' ? b.parts.mfnChip : b.parts.mfn);
  if (method === 'mobilefacenet') return m;
  return ((r - z.resnet.mean) / z.resnet.std + (m - z.mobilefacenet.mean) / z.mobilefacenet.std) / 2;
}

/** Identity folds: people shuffled by seed, dealt round-robin. */
export function identityFolds(people: Person[], k: number, seed: number): Person[][] {
  const folds: Person[][] = Array.from({ length: k }, () => []);
  shuffle(people, prng(seed)).forEach((p, i) => folds[i % k]!.push(p));
  return folds;
}

export interface HeldoutFigures {
  /** Mean of same-pair and different-pair accuracy at the threshold chosen on the training people (pooled over folds). */
  accuracy: number;
  accuracy_std: number;
  tar: number;
  tnr: number;
  auc: number;
  'tar_at_far_1e-3': number;
  same: number;
  different: number;
  missed_pairs: number;
}

/**
 * k-fold by identity for one condition: for each fold, z constants (clean photos) and the accuracy threshold (this
 * condition, balanced) come from the other folds' people; the fold's own pairs are then scored. A pair with a missed
 * face is an error for accuracy and a reject for ROC figures.
 */
export function heldoutVerification(opts: {
  clean: Map<string, PartsResult>;
  vec: Map<string, PartsResult>;
  folds: Person[][];
  method: Method;
}): HeldoutFigures {
  const { vec, folds, method } = opts;
  const tested: { same: boolean; score: number | null; correct: boolean }[] = [];
  const foldAcc: number[] = [];
  for (let f = 0; f < folds.length; f++) {
    const train = folds.filter((_, j) => j !== f).flat(),
      test = folds[f]!;
    const z = fitZParams(opts.clean, train);
    const score = (p: [string, string], same: boolean): ScoredPair => {
      const s = scorePair(method, vec.get(p[0]), vec.get(p[1]), z);
      return { same, score: s ?? (same ? -Infinity : Infinity) };
    };
    // Balanced training set: every same pair, as many different pairs drawn by seed.
    const trSame = samePairs(train),
      trDiff = shuffle(differentPairs(train), prng(f + 1)).slice(0, trSame.length);
    const { threshold } = bestThreshold([...trSame.map((p) => score(p, true)), ...trDiff.map((p) => score(p, false))]);
    const here = [...samePairs(test).map((p) => ({ p, same: true })), ...differentPairs(test).map((p) => ({ p, same: false }))].map(({ p, same }) => {
      const s = scorePair(method, vec.get(p[0]), vec.get(p[1]), z);
      return { same, score: s, correct: s !== null && s >= threshold === same };
    });
    tested.push(...here);
    const rate = (same: boolean) => here.filter((x) => x.same === same && x.correct).length / Math.max(1, here.filter((x) => x.same === same).length);
    if (here.some((x) => x.same)) foldAcc.push((rate(true) + rate(false)) / 2);
  }
  const rate = (same: boolean) => tested.filter((x) => x.same === same && x.correct).length / Math.max(1, tested.filter((x) => x.same === same).length);
  const rocPairs = tested.map((x) => ({ same: x.same, score: x.score ?? -Infinity }));
  const mean = foldAcc.reduce((a, b) => a + b, 0) / foldAcc.length;
  return {
    accuracy: (rate(true) + rate(false)) / 2,
    accuracy_std: Math.sqrt(foldAcc.reduce((a, b) => a + (b - mean) ** 2, 0) / foldAcc.length),
    tar: rate(true),
    tnr: rate(false),
    auc: auc(rocPairs),
    'tar_at_far_1e-3': tarAtFar(rocPairs, 1e-3).tar,
    same: tested.filter((x) => x.same).length,
    different: tested.filter((x) => !x.same).length,
    missed_pairs: tested.filter((x) => x.score === null).length,
  };
}
