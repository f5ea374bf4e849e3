// The eval run behind `npm run eval` and `calibrate`: resolve a pair list, embed each image once, score, measure.
import fs from 'node:fs';
import path from 'node:path';
import { openCheckpoint } from './checkpoint.js';
import { resolveLfwImage } from './dataset.js';
import { verificationReport, type ScoredPair, type VerificationReport } from './metrics.js';
import { parsePairs } from './pairs.js';
import { embedAll, type ImageResult, type Pipeline } from './pipeline.js';
import { progress } from './progress.js';

export interface PairOutcome {
  line: number;
  a: string;
  b: string;
  same: boolean;
  /** Cosine similarity; null when a face is missing (the pair then counts as an error). */
  score: number | null;
  reason?: string;
}

export interface EvalResult {
  model: string;
  report: VerificationReport;
  /** Pairs with a missing or faceless image: scored as errors. */
  missed_pairs: number;
  /** Images without an embedding (no face, unreadable, missing file), each with its reason. */
  missed: number;
  missedImages: { path: string; reason: string }[];
  badLines: { line: number; reason: string }[];
  images: number;
  ms_per_face: { mean: number; median: number };
  outcomes: PairOutcome[];
}

export function cosine(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** For accuracy: the worst score for a pair's label, so a missed face is an error at every threshold and stays in the denominator. */
export function toScored(o: PairOutcome): ScoredPair {
  return { same: o.same, score: o.score ?? (o.same ? -Infinity : Infinity) };
}

/**
 * For ROC, AUC, TAR@FAR and EER: a missed face is what the server does with it, never accepted. A missed same pair is
 * a false reject at every threshold; a missed different pair cannot be a false accept (scoring it +inf would make every
 * FAR below the miss rate unreachable and hide the curve).
 */
export function toRocScored(o: PairOutcome): ScoredPair {
  return { same: o.same, score: o.score ?? -Infinity };
}

export async function runEval(opts: { pairsFile: string; root: string; pipeline: Pipeline; cacheDir?: string; folds?: number }): Promise<EvalResult> {
  const { root, pipeline } = opts;
  const parsed = parsePairs(fs.readFileSync(opts.pairsFile, 'utf8'));
  const missingRef = (r: { person: string; n: number }) => `${r.person}/#${r.n}`;
  const resolve = (x: string | { person: string; n: number }) => (typeof x === 'string' ? x : (resolveLfwImage(root, x.person, x.n) ?? missingRef(x)));
  const pairs = parsed.pairs.map((p) => ({ line: p.line, a: resolve(p.a), b: resolve(p.b), same: p.same }));
  const rels = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const cache = opts.cacheDir ? openCheckpoint<ImageResult>(path.join(opts.cacheDir, `${pipeline.id}.jsonl`), { model: pipeline.id, pipeline: 'v1' }) : null;
  const bar = progress(`embed ${pipeline.id}`, rels.length);
  const results = await embedAll(pipeline, root, rels, cache, (_rel, r) => bar.tick(1, r.ok ? '' : 'miss'));
  bar.done();
  const outcomes: PairOutcome[] = pairs.map((p) => {
    const ra = results.get(p.a)!,
      rb = results.get(p.b)!;
    if (ra.ok && rb.ok) return { ...p, score: cosine(ra.embedding, rb.embedding) };
    const why = [ra, rb]
      .map((r, i) => (r.ok ? null : `${i === 0 ? p.a : p.b}: ${r.reason}`))
      .filter(Boolean)
      .join('; ');
    return { ...p, score: null, reason: why };
  });
  const missedImages = [...results].filter(([, r]) => !r.ok).map(([rel, r]) => ({ path: rel, reason: (r as { reason: string }).reason }));
  const times = [...results.values()]
    .filter((r) => r.ok)
    .map((r) => r.ms)
    .sort((a, b) => a - b);
  return {
    model: pipeline.id,
    report: verificationReport(outcomes.map(toScored), opts.folds ?? 10, outcomes.map(toRocScored)),
    missed_pairs: outcomes.filter((o) => o.score === null).length,
    missed: missedImages.length,
    missedImages,
    badLines: parsed.problems,
    images: rels.length,
    ms_per_face: { mean: times.reduce((a, b) => a + b, 0) / (times.length || 1), median: times[Math.floor(times.length / 2)] ?? 0 },
    outcomes,
  };
}
