import { describe, expect, it } from 'vitest';
import { LivenessEvidence, type LivenessEvidenceSettings } from '../../src/server/tracking/liveness-evidence.js';

const CFG: LivenessEvidenceSettings = { minReal: 0.5, realRun: 3, attackRun: 2, recoverRun: 5 };
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

  it('refuses bad scores and bad settings with a clear error', () => {
    const e = new LivenessEvidence(CFG);
    expect(() => e.record(1, Number.NaN)).toThrow(/not a probability/);
    expect(() => e.record(1, 1.5)).toThrow(/not a probability/);
    expect(() => new LivenessEvidence({ ...CFG, recoverRun: 1 })).toThrow(/recoverRun/);
  });
});
