// Per-track evidence rules (train/lib/track-evidence.ts): the score model, the sequential test and mean-of-best-k, the
// bar chosen at a per-track false-accept target, and the figures counted as the voting rule's are.
import { describe, expect, it } from 'vitest';
import {
  bestKRule,
  chooseBar,
  evidenceRates,
  falsePeak,
  fitScoreModel,
  frameLlr,
  LLR_CLAMP,
  qualitySequentialRule,
  sequentialRule,
  shownNames,
  type EvidenceTrack,
} from '../../train/lib/track-evidence.js';

const model = fitScoreModel([0.9, 0.92, 0.94], [0.78, 0.8, 0.82]);
const f = (best: string | null, score: number | null) => ({ best, score });

describe('score model', () => {
  it('fits the two means and a pooled spread, and refuses a model that cannot separate', () => {
    expect(model.genuineMean).toBeCloseTo(0.92, 10);
    expect(model.impostorMean).toBeCloseTo(0.8, 10);
    expect(model.std).toBeCloseTo(Math.sqrt((0.0008 + 0.0008) / 4), 10);
    expect(() => fitScoreModel([0.8, 0.8], [0.9, 0.9])).toThrow(/degenerate/);
    expect(() => fitScoreModel([0.9], [0.8, 0.7])).toThrow(/at least 2/);
  });

  it('gives a log-likelihood ratio that is 0 half way, rises with the score and is clamped', () => {
    expect(frameLlr(model, 0.86)).toBeCloseTo(0, 10);
    expect(frameLlr(model, 0.88)).toBeGreaterThan(frameLlr(model, 0.87));
    expect(frameLlr(model, 0.84)).toBeLessThan(0);
    expect(frameLlr(model, 2)).toBe(LLR_CLAMP);
    expect(frameLlr(model, -2)).toBe(-LLR_CLAMP);
  });
});

describe('sequential rule', () => {
  const seq = sequentialRule(model);
  it('names a person once the summed evidence reaches the bar, and only on frames whose own best is that person', () => {
    const one = frameLlr(model, 0.9);
    const frames = [f('ann', 0.9), f('ann', 0.9), f(null, null), f('bob', 0.7), f('ann', 0.9)];
    // The bar needs two frames of evidence: not on the first frame, then Ann on her own frames only.
    expect(shownNames(seq, frames, 5, 1.5 * one)).toEqual([null, 'ann', null, null, 'ann']);
    // A window of 1 never accumulates enough.
    expect(shownNames(seq, frames, 1, 1.5 * one)).toEqual([null, null, null, null, null]);
  });

  it('lets a runner-up who also looks likely hold the leader back, and a poor frame count against', () => {
    const one = frameLlr(model, 0.9);
    expect(seq.support([f('ann', 0.9), f('ann', 0.9), f('bob', 0.9)]).value).toBeCloseTo(one, 10);
    expect(seq.support([f('ann', 0.9), f('ann', 0.84)]).value).toBeLessThan(one);
    // A frame that matched nobody well adds no support for anyone.
    expect(seq.support([f('ann', 0.9), f('bob', 0.7)])).toEqual({ leader: 'ann', value: one });
  });
});

describe('mean of best k', () => {
  it("takes each candidate's best k scores, fewer when it has fewer frames", () => {
    const r = bestKRule(2);
    expect(r.support([f('ann', 0.9), f('ann', 0.8), f('ann', 0.86), f('bob', 0.89)])).toEqual({ leader: 'bob', value: 0.89 });
    expect(r.support([f('ann', 0.9), f('ann', 0.8), f('ann', 0.88)]).value).toBeCloseTo(0.89, 10);
    expect(() => bestKRule(0)).toThrow(/k >= 1/);
  });
});

describe('bar and figures', () => {
  const rule = bestKRule(1);
  const dev: EvidenceTrack[] = [
    { person: 'ann', enrolled: true, frames: [f('ann', 0.95), f('ann', 0.93)] },
    { person: 'bob', enrolled: true, frames: [f('cat', 0.84), f('bob', 0.9)] },
    ...Array.from({ length: 100 }, (_, i) => ({ person: `s${i}`, enrolled: false, frames: [f('ann', 0.7 + i * 0.001)] })),
    { person: 'x', enrolled: false, frames: [f('ann', 0.88)] },
  ];

  it('sits above every wrong name on the dev tracks and lets through at most the target share of strangers', () => {
    expect(falsePeak(rule, dev[1]!, 5)).toBe(0.84);
    expect(falsePeak(rule, dev[0]!, 5)).toBe(-Infinity);
    // 101 strangers at 1%: one may pass (the 0.88 one); the next is 0.799, but Bob's wrong 0.84 must not pass.
    const bar = chooseBar(rule, dev, 5, 0.01);
    expect(bar).toBeGreaterThan(0.84);
    expect(bar).toBeLessThan(0.8401);
    const r = evidenceRates(rule, dev, 5, bar);
    expect(r).toMatchObject({ mated_tracks: 2, stranger_tracks: 101, dir: 1, wrong: 0 });
    expect(r.fpir).toBeCloseTo(1 / 101, 10);
    // With no stranger allowed the bar rises above the 0.88 one.
    expect(chooseBar(rule, dev, 5, 0)).toBeGreaterThan(0.88);
  });
});

describe('sequential rule by quality class', () => {
  it('gives a frame of a poorly separated class less evidence at the same score, and refuses an unknown class', () => {
    const sharp = fitScoreModel([0.9, 0.92, 0.94], [0.78, 0.8, 0.82]);
    const poor = fitScoreModel([0.86, 0.9, 0.94], [0.8, 0.84, 0.88]);
    const rule = qualitySequentialRule(
      new Map([
        ['sharp', sharp],
        ['poor', poor],
      ]),
    );
    const at = (quality: string) => rule.support([{ best: 'ann', score: 0.93, quality }]).value;
    expect(at('poor')).toBeGreaterThan(0);
    expect(at('poor')).toBeLessThan(at('sharp'));
    // The bar is the same for both classes, so a poor face needs more frames to reach it.
    const bar = at('sharp');
    expect(shownNames(rule, [{ best: 'ann', score: 0.93, quality: 'sharp' }], 5, bar)).toEqual(['ann']);
    const poorFrames = Array.from({ length: 5 }, () => ({ best: 'ann', score: 0.93, quality: 'poor' }));
    expect(shownNames(rule, poorFrames, 5, bar)[0]).toBeNull();
    expect(shownNames(rule, poorFrames, 5, bar).some((s) => s === 'ann')).toBe(true);
    expect(() => rule.support([{ best: 'ann', score: 0.9, quality: 'dark' }])).toThrow(/no score model for quality class dark/);
  });
});
