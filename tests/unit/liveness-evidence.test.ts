import { describe, expect, it } from 'vitest';
import { DEFAULT_LIVENESS_EVIDENCE, LivenessEvidence, type LivenessEvidenceSettings } from '../../src/server/tracking/liveness-evidence.js';

/** The run rules alone (the spread cue off: scores in 0..1 never spread more than 0.5). */
const CFG: LivenessEvidenceSettings = { minReal: 0.5, realRun: 3, attackRun: 2, recoverRun: 5, maxSpread: 1, spreadWindow: 15 };
const feed = (e: LivenessEvidence, id: number, scores: number[]) => scores.map((s) => e.record(id, s).verdict);

describe('LivenessEvidence', () => {
  it('calls a track live only after a run of consecutive real frames', () => {
    const e = new LivenessEvidence(CFG);
    expect(e.get(1).verdict).toBe('pending');
    expect(feed(e, 1, [0.9, 0.9, 0.4, 0.9, 0.9, 0.9])).toEqual(['pending', 'pending', 'pending', 'pending', 'pending', 'live']);
    expect(e.get(1)).toMatchObject({ verdict: 'live', checked: 6, attacks: 1, lastReal: 0.9 });
  });

  it('refuses a track after a run of attack frames, even one that was live', () => {
    const e = new LivenessEvidence(CFG);
    expect(feed(e, 1, [0.1, 0.2])).toEqual(['pending', 'refused']);
    expect(feed(e, 2, [0.9, 0.9, 0.9, 0.3, 0.9, 0.2, 0.1])).toEqual(['pending', 'pending', 'live', 'live', 'live', 'live', 'refused']);
  });

  it('keeps a refusal through a short run of real frames, and lifts it after a longer one', () => {
    const e = new LivenessEvidence(CFG);
    feed(e, 1, [0.1, 0.1]);
    expect(feed(e, 1, [0.9, 0.9, 0.9, 0.9, 0.1])).toEqual(['refused', 'refused', 'refused', 'refused', 'refused']);
    expect(feed(e, 1, [0.9, 0.9, 0.9, 0.9, 0.9])).toEqual(['refused', 'refused', 'refused', 'refused', 'live']);
  });

  it('takes the threshold as inclusive, keeps tracks apart, and forgets tracks that left', () => {
    const e = new LivenessEvidence(CFG);
    feed(e, 1, [0.5, 0.5, 0.5]);
    feed(e, 2, [0.49, 0.49]);
    expect(e.get(1).verdict).toBe('live');
    expect(e.get(2).verdict).toBe('refused');
    e.retain([2]);
    expect(e.size).toBe(1);
    expect(e.get(1)).toMatchObject({ verdict: 'pending', checked: 0 });
    expect(e.get(2).verdict).toBe('refused');
  });

  it('with the spread cue on, flickering frames count as attacks although they score real; steady ones do not', () => {
    const spread = { ...CFG, maxSpread: 0.18, spreadWindow: 6 };
    // One attack frame, then real frames: the spread of the last 6 scores stays above 0.18 while the 0.1 is among
    // them, so those frames are attack frames and the track is refused (the cost: one poor frame refuses a real face).
    const e = new LivenessEvidence(spread);
    expect(feed(e, 1, [0.1, 0.95, 0.95, 0.95, 0.95, 0.95])).toEqual(['pending', 'refused', 'refused', 'refused', 'refused', 'refused']);
    expect(e.get(1).attacks).toBe(6);
    // The 0.1 leaves the window; a recovery run of steady frames lifts the refusal.
    expect(feed(e, 1, [0.95, 0.95, 0.95, 0.95, 0.95])).toEqual(['refused', 'refused', 'refused', 'refused', 'live']);
    // The same scores without the cue: live on the 4th frame.
    expect(feed(new LivenessEvidence(CFG), 2, [0.1, 0.95, 0.95, 0.95])).toEqual(['pending', 'pending', 'pending', 'live']);
    // A steady real track is live as fast as without the cue.
    expect(feed(new LivenessEvidence(spread), 3, [0.9, 0.97, 0.93])).toEqual(['pending', 'pending', 'live']);
  });

  it('ships with the spread cue on: one attack frame among real ones holds a track back for a spread window', () => {
    expect(DEFAULT_LIVENESS_EVIDENCE.maxSpread).toBeLessThan(0.5);
    const { spreadWindow, recoverRun } = DEFAULT_LIVENESS_EVIDENCE;
    const e = new LivenessEvidence();
    const verdicts = feed(e, 1, [0.05, ...Array.from({ length: spreadWindow + recoverRun }, () => 0.95)]);
    // Refused on the 2nd frame (the spread of [0.05, 0.95] is 0.45), live once the 0.05 has left the window and a
    // recovery run of steady frames followed.
    expect(verdicts[1]).toBe('refused');
    expect(verdicts.indexOf('live')).toBe(spreadWindow + recoverRun - 1);
    // A steady track: live on its 3rd frame, as without the cue.
    expect(feed(e, 2, [0.9, 0.99, 0.95])).toEqual(['pending', 'pending', 'live']);
  });

  it('refuses bad scores and bad settings with a clear error', () => {
    const e = new LivenessEvidence(CFG);
    expect(() => e.record(1, Number.NaN)).toThrow(/not a probability/);
    expect(() => e.record(1, 1.5)).toThrow(/not a probability/);
    expect(() => new LivenessEvidence({ ...CFG, recoverRun: 1 })).toThrow(/recoverRun/);
    expect(() => new LivenessEvidence({ ...CFG, spreadWindow: 0 })).toThrow(/spreadWindow/);
    expect(() => new LivenessEvidence({ ...CFG, maxSpread: Number.NaN })).toThrow(/maxSpread/);
  });
});
