// The cameras suite's scenes (issue 20): faces that walk in, stay and leave with empty frames between, two different
// people at once on a two-face camera, and the scoring of a run over them: time from a face first fully in view to its
// first correct name, and names on the wrong face or on no face. Pure timelines and synthetic answers, no server.
import { describe, expect, it } from 'vitest';
import { mostHeld, sceneOfCamera } from '../../bench/cameras.js';
import {
  ENTERING_PEOPLE,
  TILE,
  TIMING,
  TWO_FACE_PAIRS,
  enteringTimeline,
  rotate,
  tileOf,
  twoFaceTimeline,
  type SceneStep,
  type TileFaces,
} from '../../bench/lib/camera-scenes.js';
import { WIDTH } from '../../bench/lib/frames.js';
import { entryLatencies, latencySpread, nameCounts, type ScoredRun } from '../../bench/lib/scene-score.js';

// A face 100 px wide in the middle of every tile (the real ones come from the photos).
const faces: TileFaces = new Map([...ENTERING_PEOPLE, ...TWO_FACE_PAIRS.flat()].map((p) => [p, { x: 80, y: 60, width: 100, height: 115 }]));
const fullyInView = (step: SceneStep, name: string) => step.placements.some((p) => p.name === name && p.face.x >= 0 && p.face.x + p.face.width <= WIDTH);

describe('entering scene', () => {
  const steps = enteringTimeline(ENTERING_PEOPLE, faces);

  it('has each person walk in once, with empty frames before each', () => {
    const entries = steps.flatMap((s, i) => s.entries.map((e) => ({ ...e, i })));
    expect(entries.map((e) => e.name)).toEqual(ENTERING_PEOPLE.map((p) => p.name));
    expect(steps.filter((s) => s.placements.length === 0).length).toBeGreaterThanOrEqual(ENTERING_PEOPLE.length * TIMING.gap);
    expect(steps.every((s) => s.placements.length <= 1)).toBe(true);
    for (const e of entries) {
      // The entry frame is the first with the face wholly inside the picture; the frame before shows it cut by the edge.
      expect(fullyInView(steps[e.i]!, e.name)).toBe(true);
      expect(fullyInView(steps[e.i - 1]!, e.name)).toBe(false);
      expect(steps[e.i - e.framesSinceVisible - 1]!.placements).toEqual([]);
      expect(steps[e.i + e.framesUntilGone]!.placements.map((p) => p.name)).toEqual([e.name]);
      expect(steps[e.i + e.framesUntilGone + 1]?.placements ?? []).toEqual([]);
      // It stays about as long as the scene says.
      expect(e.framesUntilGone).toBeGreaterThanOrEqual(TIMING.stay);
    }
  });

  it('a tile is cut around the face, inside the photo', () => {
    const { crop, face } = tileOf(ENTERING_PEOPLE[0]!, 394, 640);
    expect(crop.x).toBeGreaterThanOrEqual(0);
    expect(crop.x + crop.width).toBeLessThanOrEqual(394);
    expect(face.x).toBeGreaterThan(0);
    expect(face.x + face.width).toBeLessThan(TILE);
    // A small photo caps the crop: the face is then larger in the tile, still inside it.
    const small = tileOf({ name: 'x', photo: 'x.jpg', face: { x: 0.3, y: 0.2, w: 0.4, h: 0.5 } }, 320, 240);
    expect(small.crop.width).toBe(240);
    expect(small.face.x + small.face.width).toBeLessThanOrEqual(TILE);
  });
});

describe('two-face scene', () => {
  const steps = twoFaceTimeline(TWO_FACE_PAIRS, faces);

  it('shows two different enrolled people at once, the second arriving while the first is there', () => {
    const both = steps.filter((s) => s.placements.filter((p) => p.face.x >= 0 && p.face.x + p.face.width <= WIDTH).length === 2);
    expect(both.length).toBeGreaterThanOrEqual(TWO_FACE_PAIRS.length * TIMING.stay);
    for (const s of both) expect(new Set(s.placements.map((p) => p.name)).size).toBe(2);
    const entries = steps.flatMap((s, i) => s.entries.map(() => i));
    expect(entries).toHaveLength(2 * TWO_FACE_PAIRS.length);
    // Every second entry happens with the first person of the pair in view.
    for (let k = 1; k < entries.length; k += 2) expect(steps[entries[k]!]!.placements).toHaveLength(2);
    expect(steps.some((s) => s.placements.length === 0)).toBe(true);
  });

  it('refuses a pair of the same person', () => {
    expect(() => twoFaceTimeline([[TWO_FACE_PAIRS[0]![0], TWO_FACE_PAIRS[0]![0]]], faces)).toThrow(/same person/);
  });
});

describe('cameras and levels', () => {
  it('alternates the scenes over the cameras, out of step within a scene', () => {
    expect([0, 1, 2, 3, 4, 5].map((i) => sceneOfCamera(i, 6).kind)).toEqual(['entering', 'two-face', 'entering', 'two-face', 'entering', 'two-face']);
    expect([0, 2, 4].map((i) => sceneOfCamera(i, 6).offsetShare)).toEqual([0, 1 / 3, 2 / 3]);
    expect(sceneOfCamera(0, 1)).toEqual({ kind: 'entering', offsetShare: 0 });
    expect(rotate([1, 2, 3, 4], 1)).toEqual([2, 3, 4, 1]);
    expect(rotate([1, 2, 3, 4], 5)).toEqual([2, 3, 4, 1]);
  });

  it('counts the most cameras up to the first level that fails', () => {
    const l = (cameras: number, holds: boolean) => ({ cameras, holds });
    expect(mostHeld([l(1, true), l(2, true), l(3, false), l(4, true)])).toBe(2);
    expect(mostHeld([l(1, false), l(2, true)])).toBe(0);
    expect(mostHeld([l(6, true), l(1, true), l(2, true), l(3, true), l(4, true)])).toBe(6);
  });
});

describe('scoring a run over a scene', () => {
  const steps = enteringTimeline(ENTERING_PEOPLE, faces);
  const entryTicks = steps.flatMap((s, i) => s.entries.map((e) => ({ i, e })));
  const first = entryTicks[0]!;
  const period = 1000 / 15;
  const tracksAt = (tick: number, name: string | null, dx = 0) =>
    steps[tick % steps.length]!.placements.map((p) => ({
      box: [p.face.x + dx, p.face.y, p.face.width, p.face.height] as [number, number, number, number],
      name,
    }));
  const run = (ticks: number, answers: { tick: number; name: string | null; dx?: number; lateMs?: number }[]): ScoredRun => ({
    ticks,
    tickAt: Array.from({ length: ticks }, (_, i) => i * period),
    answers: answers.map((a) => ({ tick: a.tick, at: a.tick * period + (a.lateMs ?? 30), overlay: { tracks: tracksAt(a.tick, a.name, a.dx) } })),
  });

  it('times an entry from the frame it is fully in view to the first answer with its name on its face', () => {
    const name = first.e.name;
    const r = run(steps.length, [
      { tick: first.i, name: null },
      { tick: first.i + 3, name: 'Someone Else' },
      { tick: first.i + 6, name, lateMs: 40 },
      { tick: first.i + 7, name },
    ]);
    const lat = entryLatencies(steps, r).filter((x) => x.name === name);
    expect(lat).toHaveLength(1);
    expect(lat[0]!.ms).toBeCloseTo(6 * period + 40, 5);
    // The other people of the loop entered, were seen whole and never named.
    expect(entryLatencies(steps, r).filter((x) => x.ms === null)).toHaveLength(ENTERING_PEOPLE.length - 1);
  });

  it('does not count a name beside the face, and leaves out an entry still in view when the run stopped', () => {
    const name = first.e.name;
    const beside = run(steps.length, [{ tick: first.i + 2, name, dx: TILE }]);
    expect(entryLatencies(steps, beside).find((x) => x.name === name)!.ms).toBeNull();
    const cut = run(first.i + 5, [{ tick: first.i, name: null }]);
    expect(entryLatencies(steps, cut)).toEqual([]);
  });

  it('counts entries again on every loop of the clip, and named while still partly in view as 0 ms', () => {
    const name = first.e.name;
    const r = run(2 * steps.length, [
      { tick: first.i - 1, name, lateMs: 10 },
      { tick: steps.length + first.i + 2, name },
    ]);
    const lat = entryLatencies(steps, r).filter((x) => x.name === name);
    expect(lat).toHaveLength(2);
    expect(lat[0]!.ms).toBe(0);
    expect(lat[1]!.ms).toBeCloseTo(2 * period + 30, 5);
  });

  it('spreads times with unnamed entries as never', () => {
    expect(latencySpread([{ ms: 100 }, { ms: 200 }, { ms: null }])).toEqual({ entries: 3, notNamed: 1, p50: 200, p95: null, maxNamed: 200 });
    expect(latencySpread([{ ms: 100 }, { ms: 300 }])).toMatchObject({ p50: 100, p95: 300, notNamed: 0 });
    expect(latencySpread([])).toMatchObject({ entries: 0, p50: null, p95: null });
  });

  it('sorts names into right, on someone else, and on no one', () => {
    const name = first.e.name;
    const r = run(steps.length, [
      { tick: first.i + 1, name },
      { tick: first.i + 2, name: 'Joe Biden' },
      { tick: first.i + 3, name: null },
    ]);
    // A ghost: a named box where nobody stands (a frame of the gap).
    r.answers.push({ tick: 0, at: 10, overlay: { tracks: [{ box: [300, 200, 100, 100], name }] } });
    expect(nameCounts(steps, r)).toEqual({ faceFrames: 3, named: 1, wrongName: 1, namedNoFace: 1 });
  });
});
