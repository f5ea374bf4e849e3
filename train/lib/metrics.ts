// Verification metrics over scored pairs (higher score = more alike): LFW 10-fold accuracy, ROC, AUC, TAR@FAR, EER.
// Pure functions; a pair whose face was not found is given the worst score for its label by the caller, so it counts as an error.

export interface ScoredPair {
  score: number;
  same: boolean;
}

export interface RocPoint {
  threshold: number;
  far: number;
  tar: number;
}

/** Predicted "same" when score >= threshold. */
export function accuracyAt(pairs: ScoredPair[], threshold: number): number {
  if (pairs.length === 0) return 0;
  let ok = 0;
  for (const p of pairs) if (p.score >= threshold === p.same) ok++;
  return ok / pairs.length;
}

/** Distinct finite scores, ascending. */
function distinctScores(pairs: ScoredPair[]): number[] {
  return [...new Set(pairs.map((p) => p.score).filter(Number.isFinite))].sort((a, b) => a - b);
}

/**
 * The threshold with the best accuracy on `pairs`. Candidates are midpoints between neighbouring distinct scores
 * (and just outside the range), so the chosen value never sits exactly on a training score. Ties: the lowest.
 */
export function bestThreshold(pairs: ScoredPair[]): { threshold: number; accuracy: number } {
  const s = distinctScores(pairs);
  if (s.length === 0) return { threshold: 0, accuracy: accuracyAt(pairs, 0) };
  const candidates = [s[0]! - 1e-6, ...s.slice(1).map((v, i) => (v + s[i]!) / 2), s[s.length - 1]! + 1e-6];
  // Sweep: sort pairs once, move the threshold up and count how the correct decisions change.
  const sorted = [...pairs].sort((a, b) => a.score - b.score);
  let correct = sorted.filter((p) => p.same).length; // threshold below everything: all predicted same
  let i = 0;
  let best = { threshold: candidates[0]!, accuracy: -1 };
  for (const t of candidates) {
    while (i < sorted.length && sorted[i]!.score < t) {
      correct += sorted[i]!.same ? -1 : 1;
      i++;
    }
    const acc = correct / pairs.length;
    if (acc > best.accuracy) best = { threshold: t, accuracy: acc };
  }
  return best;
}

/** Splits indices 0..n-1 into k contiguous folds, as LFW's pairs.txt sets. */
export function contiguousFolds(n: number, k: number): number[][] {
  const folds: number[][] = [];
  for (let f = 0; f < k; f++) {
    const start = Math.floor((f * n) / k),
      end = Math.floor(((f + 1) * n) / k);
    folds.push(Array.from({ length: end - start }, (_, j) => start + j));
  }
  return folds;
}

/** LFW protocol: for each fold, the threshold is chosen on the other folds and accuracy measured on this one. */
export function kFoldAccuracy(pairs: ScoredPair[], k = 10): { mean: number; std: number; folds: { threshold: number; accuracy: number }[] } {
  const folds = contiguousFolds(pairs.length, Math.min(k, Math.max(pairs.length, 1))).filter((f) => f.length > 0);
  const results = folds.map((test, fi) => {
    const train = folds.flatMap((f, j) => (j === fi ? [] : f)).map((i) => pairs[i]!);
    const { threshold } = bestThreshold(train.length > 0 ? train : test.map((i) => pairs[i]!));
    return {
      threshold,
      accuracy: accuracyAt(
        test.map((i) => pairs[i]!),
        threshold,
      ),
    };
  });
  const mean = results.reduce((a, r) => a + r.accuracy, 0) / (results.length || 1);
  const std = Math.sqrt(results.reduce((a, r) => a + (r.accuracy - mean) ** 2, 0) / (results.length || 1));
  return { mean, std, folds: results };
}

/** ROC from the strictest threshold down; one point per distinct score (ties move together). Starts at (0,0), ends at (1,1). */
export function roc(pairs: ScoredPair[]): RocPoint[] {
  const P = pairs.filter((p) => p.same).length,
    N = pairs.length - P;
  const sorted = [...pairs].sort((a, b) => b.score - a.score);
  const points: RocPoint[] = [{ threshold: Infinity, far: 0, tar: 0 }];
  let tp = 0,
    fp = 0;
  for (let i = 0; i < sorted.length;) {
    const t = sorted[i]!.score;
    while (i < sorted.length && sorted[i]!.score === t) {
      if (sorted[i]!.same) tp++;
      else fp++;
      i++;
    }
    points.push({ threshold: t, far: N ? fp / N : 0, tar: P ? tp / P : 0 });
  }
  return points;
}

/** Area under the ROC curve by the trapezoid rule (ties count one half, as the Mann-Whitney statistic). */
export function auc(pairs: ScoredPair[]): number {
  const pts = roc(pairs);
  let area = 0;
  for (let i = 1; i < pts.length; i++) area += ((pts[i]!.far - pts[i - 1]!.far) * (pts[i]!.tar + pts[i - 1]!.tar)) / 2;
  return area;
}

/** Highest TAR whose FAR is at most `far`, and the threshold that gives it. */
export function tarAtFar(pairs: ScoredPair[], far: number): { tar: number; threshold: number } {
  let best = { tar: 0, threshold: Infinity };
  for (const p of roc(pairs)) if (p.far <= far + 1e-12 && p.tar >= best.tar) best = { tar: p.tar, threshold: p.threshold };
  return best;
}

/** Equal error rate: where FAR meets FRR (1 - TAR), linearly interpolated between ROC points. */
export function eer(pairs: ScoredPair[]): { eer: number; threshold: number } {
  const pts = roc(pairs);
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!,
      b = pts[i]!;
    const da = a.far - (1 - a.tar),
      db = b.far - (1 - b.tar);
    if (da <= 0 && db >= 0) {
      const w = db === da ? 0 : -da / (db - da);
      const t = Number.isFinite(a.threshold) ? a.threshold + w * (b.threshold - a.threshold) : b.threshold;
      return { eer: a.far + w * (b.far - a.far), threshold: t };
    }
  }
  return { eer: 0.5, threshold: 0 };
}

export interface VerificationReport {
  pairs: number;
  same: number;
  different: number;
  accuracy: number;
  accuracy_std: number;
  auc: number;
  'tar_at_far_1e-2': number;
  'tar_at_far_1e-3': number;
  eer: number;
  /** Best threshold on all pairs (accuracy-maximising). */
  threshold: number;
  best_accuracy: number;
  'threshold_far_1e-2': number;
  'threshold_far_1e-3': number;
  fold_thresholds: number[];
}

/**
 * `pairs` drive the accuracies; `rocPairs` (same pairs, possibly scored differently) the ROC-based numbers.
 * The eval scores a missed face as an error for accuracy, and as "rejected" for the ROC (see evaluate.ts).
 */
export function verificationReport(pairs: ScoredPair[], folds = 10, rocPairs: ScoredPair[] = pairs): VerificationReport {
  const kf = kFoldAccuracy(pairs, folds);
  const best = bestThreshold(pairs);
  const t2 = tarAtFar(rocPairs, 1e-2),
    t3 = tarAtFar(rocPairs, 1e-3);
  return {
    pairs: pairs.length,
    same: pairs.filter((p) => p.same).length,
    different: pairs.filter((p) => !p.same).length,
    accuracy: kf.mean,
    accuracy_std: kf.std,
    auc: auc(rocPairs),
    'tar_at_far_1e-2': t2.tar,
    'tar_at_far_1e-3': t3.tar,
    eer: eer(rocPairs).eer,
    threshold: best.threshold,
    best_accuracy: best.accuracy,
    'threshold_far_1e-2': t2.threshold,
    'threshold_far_1e-3': t3.threshold,
    fold_thresholds: kf.folds.map((f) => f.threshold),
  };
}
