// Verification metrics against small cases computed by hand.
import { describe, expect, it } from 'vitest';
import { accuracyAt, auc, bestThreshold, eer, kFoldAccuracy, roc, tarAtFar, verificationReport } from '../../train/lib/metrics.js';
import { calibrate } from '../../train/lib/calibration.js';

const P = (score: number, same: boolean) => ({ score, same });
// Scores: same 0.9 0.8 0.4; different 0.7 0.3 0.2.
const small = [P(0.9, true), P(0.8, true), P(0.4, true), P(0.7, false), P(0.3, false), P(0.2, false)];

describe('train metrics', () => {
  it('accuracy at a threshold counts score >= t as same', () => {
    expect(accuracyAt(small, 0.75)).toBeCloseTo(5 / 6); // misses the 0.4 same pair
    expect(accuracyAt(small, 0.35)).toBeCloseTo(5 / 6); // accepts the 0.7 different pair
    expect(accuracyAt(small, 0.8)).toBeCloseTo(5 / 6);
  });

  it('best threshold is a midpoint with the best accuracy (lowest on ties)', () => {
    const b = bestThreshold(small);
    expect(b.accuracy).toBeCloseTo(5 / 6);
    expect(b.threshold).toBeCloseTo(0.35); // midpoint of 0.3 and 0.4, the first of the tied best
    const separable = [P(0.9, true), P(0.6, true), P(0.5, false), P(0.1, false)];
    expect(bestThreshold(separable)).toEqual({ threshold: 0.55, accuracy: 1 });
  });

  it('AUC is the Mann-Whitney statistic: 8 of 9 same/different orderings right', () => {
    expect(auc(small)).toBeCloseTo(8 / 9);
    expect(auc([P(1, true), P(0, false)])).toBe(1);
    expect(auc([P(0.5, true), P(0.5, false)])).toBeCloseTo(0.5); // a tie counts one half
  });

  it('ROC walks thresholds from strict to lax', () => {
    expect(roc(small).map((p) => [p.far, p.tar])).toEqual([
      [0, 0],
      [0, 1 / 3],
      [0, 2 / 3],
      [1 / 3, 2 / 3],
      [1 / 3, 1],
      [2 / 3, 1],
      [1, 1],
    ]);
  });

  it('TAR at FAR: the best TAR whose FAR stays within the target', () => {
    expect(tarAtFar(small, 0).tar).toBeCloseTo(2 / 3);
    expect(tarAtFar(small, 0).threshold).toBe(0.8);
    expect(tarAtFar(small, 1 / 3).tar).toBe(1);
    expect(tarAtFar(small, 0.3).tar).toBeCloseTo(2 / 3);
  });

  it('EER where FAR meets FRR', () => {
    // Between (far 0, tar 2/3) and (far 1/3, tar 2/3): FAR - FRR goes -1/3 -> 0, so EER = 1/3 at the second point.
    expect(eer(small).eer).toBeCloseTo(1 / 3);
    expect(eer([P(0.9, true), P(0.1, false)]).eer).toBe(0);
  });

  it("k-fold accuracy takes each fold's threshold from the others", () => {
    // Fold 0 = [same .9, diff .1], fold 1 = [same .6, diff .7]. Fold 1 alone is best cut just below .6 (1/2, lowest of the
    // ties): on fold 0 that is right twice. Fold 0 alone is cut at .5: on fold 1 it accepts both, right once.
    const r = kFoldAccuracy([P(0.9, true), P(0.1, false), P(0.6, true), P(0.7, false)], 2);
    expect(r.folds.map((f) => f.accuracy)).toEqual([1, 0.5]);
    expect(r.mean).toBeCloseTo(0.75);
    expect(r.std).toBeCloseTo(0.25);
  });

  it('a missed face scored as an error stays in the denominator', () => {
    const withMiss = [...small, P(-Infinity, true)];
    const rep = verificationReport(withMiss, 1);
    expect(rep.pairs).toBe(7);
    expect(rep.best_accuracy).toBeCloseTo(5 / 7);
  });

  it('calibration: the lowest threshold with FAR within the target, between two scores', () => {
    const pairs = [...small.map((p) => ({ ...p })), { same: true, score: null }];
    const c = calibrate(pairs, 0);
    expect(c.threshold).toBeCloseTo(0.75); // between the top different score .7 and the next score .8
    expect(c.far).toBe(0);
    expect(c.tar).toBeCloseTo(2 / 4); // .9 and .8 of four same pairs (the missed one counts)
    expect(calibrate(pairs, 1 / 3).threshold).toBeCloseTo(0.35);
  });
});
