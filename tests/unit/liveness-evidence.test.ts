import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIVENESS_EVIDENCE, LivenessEvidence, type LivenessEvidenceSettings } from '../../src/server/tracking/liveness-evidence.js';

/**
 * The run rules alone (the spread cue off: scores in 0..1 never spread more than 0.5), refusing on the first run of
 * attack frames (any attack frame decisive, as the rule was before refusals needed more evidence).
 */
const CFG: LivenessEvidenceSettings = {
  minReal: 0.5,
  realRun: 3,
  attackRun: 2,
  recoverRun: 5,
  refuseRun: 2,
  refuseBelow: 0.5,
  maxSpread: 1,
  spreadWindow: 15,
  refusalFinal: false,
};
/** Refusal on decisive evidence only: 5 frames in a row below 0.2; a shorter run of attack frames withholds. */
const DECISIVE: LivenessEvidenceSettings = { ...CFG, refuseRun: 5, refuseBelow: 0.2 };
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

  it('with refusalFinal, keeps a refusal for as long as the track lasts, and says checking it again is no use', () => {
    const e = new LivenessEvidence({ ...DECISIVE, refusalFinal: true });
    // A phone brought up to the camera: refused while its bezel is in view, then its screen fills the view.
    expect(feed(e, 1, [0.05, 0.05, 0.05, 0.05, 0.05]).at(-1)).toBe('refused');
    expect(e.refusedForGood(1)).toBe(true);
    expect(
      feed(
        e,
        1,
        Array.from({ length: 60 }, () => 0.95),
      ).every((v) => v === 'refused'),
    ).toBe(true);
    expect(e.get(1)).toMatchObject({ verdict: 'refused', checked: 65, attacks: 5 });
    // Only a refusal is final: a withheld track still recovers, and a new track (the person back in view) starts afresh.
    expect(feed(e, 2, [0.05, 0.05, ...Array.from({ length: CFG.recoverRun }, () => 0.95)]).at(-1)).toBe('live');
    expect(e.refusedForGood(2)).toBe(false);
    e.retain([2]);
    expect(e.refusedForGood(1)).toBe(false);
    expect(feed(e, 1, [0.95, 0.95, 0.95]).at(-1)).toBe('live');
    // Without it (the rule before) the same track recovers after a run of real frames.
    const before = new LivenessEvidence({ ...DECISIVE, refusalFinal: false });
    expect(feed(before, 1, [0.05, 0.05, 0.05, 0.05, 0.05, ...Array.from({ length: CFG.recoverRun }, () => 0.95)]).at(-1)).toBe('live');
    expect(before.refusedForGood(1)).toBe(false);
  });

  it('ships with refusals final', () => {
    expect(DEFAULT_LIVENESS_EVIDENCE.refusalFinal).toBe(true);
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

  it('withholds a track after a short run of attack frames (pending, not refused) until a recovery run', () => {
    const e = new LivenessEvidence(DECISIVE);
    // Live, then two poor frames: withheld (pending again), not accused; live again after 5 real frames, not 3.
    expect(feed(e, 1, [0.9, 0.9, 0.9, 0.3, 0.1])).toEqual(['pending', 'pending', 'live', 'live', 'pending']);
    expect(feed(e, 1, [0.9, 0.9, 0.9, 0.9, 0.9])).toEqual(['pending', 'pending', 'pending', 'pending', 'live']);
    expect(e.get(1)).toMatchObject({ verdict: 'live', attacks: 2 });
    // A new track that starts poorly is withheld the same way: its first 3 real frames are not enough.
    expect(feed(e, 2, [0.4, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9])).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
      'live',
    ]);
  });

  it('refuses only on a run of decisive frames: low scores in a row, a weak or interrupted run does not', () => {
    const e = new LivenessEvidence(DECISIVE);
    // 0.3 is an attack frame (below 0.5) but not decisive (not below 0.2): withheld however long it lasts.
    expect(
      feed(
        e,
        1,
        Array.from({ length: 20 }, () => 0.3),
      ),
    ).not.toContain('refused');
    // Four decisive frames, one weak one, four more: the run restarts, no refusal.
    expect(feed(e, 2, [0.1, 0.1, 0.1, 0.1, 0.3, 0.1, 0.1, 0.1, 0.1])).not.toContain('refused');
    // Five in a row: refused, also a track that was live; it stays refused until a recovery run.
    expect(feed(e, 3, [0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1])).toEqual(['pending', 'pending', 'live', 'live', 'pending', 'pending', 'pending', 'refused']);
    expect(feed(e, 3, [0.3, 0.9, 0.9, 0.9, 0.9])).toEqual(['refused', 'refused', 'refused', 'refused', 'refused']);
    expect(feed(e, 3, [0.9])).toEqual(['live']);
  });

  it('never refuses on the spread cue alone: flickering frames that score real withhold a track', () => {
    const e = new LivenessEvidence({ ...DECISIVE, maxSpread: 0.18, spreadWindow: 6 });
    const verdicts = feed(e, 1, [0.05, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]);
    expect(verdicts).not.toContain('refused');
    // Withheld while the 0.05 is in the window (5 frames after it), then live after a recovery run of 5.
    expect(verdicts.indexOf('live')).toBe(10);
  });

  it('with the spread cue on, flickering frames count as attacks although they score real; steady ones do not', () => {
    const spread = { ...CFG, maxSpread: 0.18, spreadWindow: 6 };
    // One attack frame, then real frames: the spread of the last 6 scores stays above 0.18 while the 0.1 is among
    // them, so those frames are attack frames and the track is withheld (the cost: one poor frame holds a real face back).
    const e = new LivenessEvidence(spread);
    expect(feed(e, 1, [0.1, 0.95, 0.95, 0.95, 0.95, 0.95])).toEqual(['pending', 'pending', 'pending', 'pending', 'pending', 'pending']);
    expect(e.get(1).attacks).toBe(6);
    // The 0.1 leaves the window; a recovery run of steady frames makes it live.
    expect(feed(e, 1, [0.95, 0.95, 0.95, 0.95, 0.95])).toEqual(['pending', 'pending', 'pending', 'pending', 'live']);
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
    // Withheld from the 2nd frame (the spread of [0.05, 0.95] is 0.45), never refused (one poor frame is no evidence of
    // an attack), live once the 0.05 has left the window and a recovery run of steady frames followed.
    expect(verdicts[1]).toBe('pending');
    expect(verdicts).not.toContain('refused');
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
    expect(() => new LivenessEvidence({ ...CFG, refuseRun: 1 })).toThrow(/refuseRun/);
    expect(() => new LivenessEvidence({ ...CFG, refuseBelow: 0.6 })).toThrow(/refuseBelow/);
    expect(() => new LivenessEvidence({ ...CFG, maxSpread: Number.NaN })).toThrow(/maxSpread/);
  });
});

/** Recorded MiniFASNet scores of development-set windows (tests/fixtures/antispoof/SOURCES.md). */
interface RecordedWindow {
  video: string;
  window: number;
  kind: 'bona-fide' | 'phone replay';
  scores: (number | null)[];
}
const recorded = (
  JSON.parse(fs.readFileSync(new URL('../fixtures/antispoof/dev-score-sequences.json', import.meta.url), 'utf8')) as { windows: RecordedWindow[] }
).windows;
/** The verdicts of a recorded window, frame by frame (frames without a face are not checked). */
const run = (w: RecordedWindow, cfg: LivenessEvidenceSettings) =>
  feed(
    new LivenessEvidence(cfg),
    1,
    w.scores.filter((s): s is number => s !== null),
  );
/** The rule before refusals needed decisive evidence: 2 attack frames (below 0.7) refused a track. */
const BEFORE: LivenessEvidenceSettings = { ...DEFAULT_LIVENESS_EVIDENCE, refuseRun: 2, refuseBelow: DEFAULT_LIVENESS_EVIDENCE.minReal, refusalFinal: false };

describe('LivenessEvidence on recorded development-set scores', () => {
  const real = recorded.filter((w) => w.kind === 'bona-fide');
  const replays = recorded.filter((w) => w.kind === 'phone replay');

  it('holds the windows it claims to', () => {
    expect(real).toHaveLength(5);
    expect(replays).toHaveLength(3);
    // 75 frames (5 s at 15 fps); a video's last window may be shorter (at least half a window, as the evaluation cuts).
    for (const w of recorded) expect(w.scores.length).toSatisfy((n: number) => n >= 38 && n <= 75);
  });

  it.each(real.map((w) => [`${w.video} #${w.window}`, w] as const))(
    'real person %s: refused by the rule before, withheld at most now, live as soon as before',
    (_, w) => {
      const before = run(w, BEFORE);
      const now = run(w, DEFAULT_LIVENESS_EVIDENCE);
      expect(before).toContain('refused');
      expect(now).not.toContain('refused');
      // Reaching "live" is unchanged: a withheld track needs the same recovery run a refused one did.
      expect(now.indexOf('live')).toBe(before.indexOf('live'));
      expect(now.indexOf('live')).toBeGreaterThanOrEqual(0);
      // Where the rule before refused, the track is now withheld (pending: not named, not accused).
      const firstRefusal = before.indexOf('refused');
      expect(now[firstRefusal]).toBe('pending');
    },
  );

  it.each(replays.map((w) => [`${w.video} #${w.window}`, w] as const))('phone replay %s: still refused (an event)', (_, w) => {
    expect(run(w, DEFAULT_LIVENESS_EVIDENCE)).toContain('refused');
  });
});
