// The tracker on seeded synthetic scenes (bench/tracking-scenes.ts): faces entering, leaving, crossing, sliding in and
// stopping, small faces; detection jitter, misses and occlusion; frames dropped to 15, 10 and 5 fps. Seed 2: the
// tracker's defaults were tuned on seed 1's scenes. The same figures are in bench/results/tracking.json.
import { describe, expect, it } from 'vitest';
import { countSwitches, evaluate, legacyTracker, projectTracker } from '../../bench/tracking-eval.js';
import { DEFAULT_NOISE, detectFrames, makeScene, SCENE_KINDS, type SimFrame } from '../../bench/tracking-scenes.js';

const SCENES = 40;
const SEED = 2;

describe('scene simulator', () => {
  it('is deterministic: one seed, one set of frames', () => {
    const a = detectFrames(makeScene('crossing', 5), 10, 5);
    const b = detectFrames(makeScene('crossing', 5), 10, 5);
    expect(a).toEqual(b);
    expect(detectFrames(makeScene('crossing', 6), 10, 6)).not.toEqual(a);
  });

  it('drops frames to the asked rate with uneven gaps, and faces enter and leave', () => {
    const frames = detectFrames(makeScene('walkers', 11), 5, 11);
    const gaps = frames.slice(1).map((f, i) => f.now - frames[i]!.now);
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    expect(mean).toBeGreaterThan(180);
    expect(mean).toBeLessThan(220);
    expect(new Set(gaps.map(Math.round)).size).toBeGreaterThan(1);
    const perFrame = frames.map((f) => f.truth.filter((t) => t >= 0).length);
    expect(perFrame[0]).toBe(0); // everyone starts outside the picture
    expect(Math.max(...perFrame)).toBeGreaterThan(1);
  });

  it('counts an id switch each time a face gets a different track id than when it was last seen', () => {
    const frames: SimFrame[] = [0, 1, 2, 3].map((i) => ({ index: i, now: i * 100, boxes: [], truth: [7, 8] }));
    const ids = [
      [1, 2],
      [1, 2],
      [2, 1], // both swap: 2 switches, and ids 1 and 2 each covered two faces
      [2, 3], // face 8 switches again
    ];
    let k = 0;
    expect(countSwitches(frames, () => ids[k++]!)).toEqual({ faces: 2, switches: 3, facesWithSwitch: 2, transfers: 2 });
  });
});

describe('tracker on the scenes', () => {
  const at = (fps: number) => evaluate(() => projectTracker(), fps, { scenes: SCENES, seed: SEED });

  it('the IoU-only tracker breaks tracks at camera pace (the failure of issue 12)', () => {
    const old = evaluate(() => legacyTracker(0.3, 5), 15, { scenes: SCENES, seed: SEED });
    expect(old.faces).toBeGreaterThan(400);
    expect(old.switchesPer100).toBeGreaterThan(100);
  });

  // Target (issue 12): <= 1 switch per 100 faces. Measured here: 2.16 at 15 fps, 3.73 at 10, 10.6 at 5. Most of the rest
  // are faces hidden behind another face for longer than motion can bridge (crossing and wandering scenes), which needs
  // appearance, and at 5 fps faces walking in at the edge of the picture. These bounds pin today's figures.
  it('at 15 fps: about 2 switches per 100 faces, hundreds of times fewer than before', () => {
    const e = at(15);
    const old = evaluate(() => legacyTracker(0.3, 5), 15, { scenes: SCENES, seed: SEED });
    expect(e.faces).toBeGreaterThan(400);
    expect(e.switchesPer100).toBeLessThanOrEqual(2.5);
    expect(e.switches * 100).toBeLessThan(old.switches);
  });

  it('at 15 fps, <= 1 switch per 100 faces on faces sliding in, small faces and walkers entering and leaving', () => {
    const e = evaluate(() => projectTracker(), 15, { scenes: SCENES, seed: SEED, kinds: ['slide', 'small', 'walkers'] });
    expect(e.faces).toBeGreaterThan(300);
    expect(e.switchesPer100).toBeLessThanOrEqual(1);
  });

  it('at 10 and 5 fps the tracks still mostly hold', () => {
    expect(at(10).switchesPer100).toBeLessThanOrEqual(4.5);
    expect(at(5).switchesPer100).toBeLessThanOrEqual(11);
  });

  it('with twice the detector jitter its noise model assumes, tracks still hold (each track learns its own jitter)', () => {
    const noise = { ...DEFAULT_NOISE, jitter: 2 * DEFAULT_NOISE.jitter };
    expect(evaluate(() => projectTracker(), 15, { scenes: SCENES, seed: SEED, noise }).switchesPer100).toBeLessThanOrEqual(7); // 6.47
  });

  it('every scene kind is exercised', () => {
    for (const kind of SCENE_KINDS) expect(evaluate(() => projectTracker(), 15, { scenes: 4, seed: SEED, kinds: [kind] }).faces).toBeGreaterThan(3);
  });
});
