// The presentation-attack metrics of train/: the affine (flat picture) residual, the evidence rule run over a track,
// and APCER/BPCER per frame and per track.
import { describe, expect, it } from 'vitest';
import { affineResidual, frameRates, refusalHeldOut, runTrack, trackRates, windows, type FrameObs, type TrackObs } from '../../train/lib/liveness-metrics.js';

const FACE = [
  { x: 100, y: 100 },
  { x: 160, y: 100 },
  { x: 130, y: 130 },
  { x: 130, y: 160 },
  { x: 80, y: 120 },
  { x: 180, y: 120 },
];
/** Refused after 2 attack frames (any frame below 0.5 decisive), the spread cue off. */
const CFG = { minReal: 0.5, realRun: 3, attackRun: 2, recoverRun: 10, refuseRun: 2, refuseBelow: 0.5, maxSpread: 1, spreadWindow: 15, refusalFinal: false };
const obs = (real: number, keypoints = FACE): FrameObs => ({ real, keypoints });
const track = (kind: string, reals: (number | null)[]): TrackObs => ({ source: 't', kind, fps: 10, frames: reals.map((r) => (r === null ? null : obs(r))) });

describe('affineResidual', () => {
  it('is zero for a picture moved rigidly (rotated, scaled, shifted) and not for a head that turns', () => {
    const c = Math.cos(0.2),
      s = Math.sin(0.2);
    const moved = FACE.map((p) => ({ x: 1.1 * (c * p.x - s * p.y) + 30, y: 1.1 * (s * p.x + c * p.y) - 12 }));
    expect(affineResidual(FACE, moved)).toBeLessThan(1e-9);
    // Turning: the nose moves sideways while the ears do not follow.
    const turned = FACE.map((p, i) => (i === 2 || i === 3 ? { x: p.x + 12, y: p.y } : p));
    expect(affineResidual(FACE, turned)).toBeGreaterThan(0.05);
  });
});

describe('runTrack', () => {
  it('reports when the evidence rule first calls a track live, skipping frames without a face', () => {
    expect(runTrack(track('bona-fide', [0.9, null, 0.9, 0.9]), CFG)).toEqual({ liveAfter: 0.3, refused: false, framesWithFace: 3 });
    expect(runTrack(track('x', [0.1, 0.2, 0.9, 0.9, 0.9]), CFG)).toEqual({ liveAfter: null, refused: true, framesWithFace: 5 });
  });

  it('with the motion cue, a real-scoring flat picture never becomes live', () => {
    const t = track(
      'x',
      Array.from({ length: 20 }, () => 0.9),
    );
    expect(runTrack(t, CFG).liveAfter).toBe(0.2);
    expect(runTrack(t, CFG, { lag: 2, window: 3, minResidual: 0.01 }).liveAfter).toBeNull();
  });
});

describe('rates', () => {
  it('per frame: APCER per attack type, BPCER over real frames, faceless frames left out', () => {
    const r = frameRates([track('bona-fide', [0.9, 0.3, null]), track('print', [0.6, 0.1]), track('replay', [0.2])], 0.5);
    expect(r.bpcer).toEqual({ n: 2, errors: 1, rate: 0.5 });
    expect(r.apcer.print).toEqual({ n: 2, errors: 1, rate: 0.5 });
    expect(r.apcer.replay).toEqual({ n: 1, errors: 0, rate: 0 });
  });

  it('per track: attacks that ever got live, real tracks never live or late', () => {
    const r = trackRates(
      [
        track('bona-fide', [0.9, 0.9, 0.9]),
        track('bona-fide', [0.1, 0.1, ...Array.from({ length: 14 }, () => 0.9)]),
        track('print', [0.9, 0.9, 0.9, 0.1, 0.1]),
        track('print', [0.1, 0.1]),
      ],
      CFG,
      undefined,
      1,
    );
    expect(r.bpcer).toMatchObject({ n: 2, errors: 0 });
    expect(r.delayed).toMatchObject({ n: 2, errors: 1 }); // the second waited out a refusal: live after 1.1 s
    expect(r.apcer.print).toMatchObject({ n: 2, errors: 1 });
    // Both prints raised an event (refused at some frame), and so did the real track that began with two poor frames.
    expect(r.attackRefused.print).toMatchObject({ n: 2, errors: 2 });
    expect(r.everRefused).toMatchObject({ n: 2, errors: 1 });
    // Asking 3 frames below 0.2 for a refusal: the real track is only withheld (and as late), the long print still refused.
    const strict = trackRates(
      [track('bona-fide', [0.1, 0.1, ...Array.from({ length: 14 }, () => 0.9)]), track('print', [0.9, 0.9, 0.9, 0.1, 0.1, 0.1])],
      { ...CFG, refuseRun: 3, refuseBelow: 0.2 },
      undefined,
      1,
    );
    expect(strict.everRefused).toMatchObject({ n: 1, errors: 0 });
    expect(strict.delayed).toMatchObject({ n: 1, errors: 1 });
    expect(strict.attackRefused.print).toMatchObject({ n: 1, errors: 1 });
  });

  it('chooses the refusal rule without the held-out video: fewest false events, then most attack events', () => {
    // A live video with runs of 2 frames at 0.3, and a replay with runs of 3 frames at 0.1: "3 below 0.5" separates them.
    const live = (name: string) => ({ name, tracks: [track('bona-fide', [0.9, 0.9, 0.9, 0.3, 0.3, 0.9, 0.9, 0.3, 0.3, 0.9])] });
    const replay = (name: string) => ({ name, tracks: [track('replay', [0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.9])] });
    const grid = [2, 3, 4].flatMap((refuseRun) => [0.5, 0.2].map((refuseBelow) => ({ refuseRun, refuseBelow })));
    const r = refusalHeldOut([live('a'), live('b'), replay('c'), replay('d')], CFG, grid);
    // 4 frames never refuse the replays; 2 below 0.5 refuses the live videos; 3 below 0.5 and 3 below 0.2 tie: more
    // evidence wins the tie (the lower score).
    expect(r.picks.map((p) => [p.refuseRun, p.refuseBelow])).toEqual([
      [3, 0.2],
      [3, 0.2],
      [3, 0.2],
      [3, 0.2],
    ]);
    expect(r.heldOut.realRefused).toMatchObject({ n: 2, errors: 0 });
    expect(r.heldOut.attacksRefused).toMatchObject({ n: 2, errors: 2 });
    expect(r.base.realRefused).toMatchObject({ n: 2, errors: 2 });
  });

  it('cuts videos into windows, keeping a last window at least half long', () => {
    expect(windows([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(windows([1, 2, 3, 4, 5], 3)).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });
});
