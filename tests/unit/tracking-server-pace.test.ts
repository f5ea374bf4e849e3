// The tracker as the server drives it by default (detections every DETECT_INTERVAL_MS once its tracks are named), and
// what keeps ids there: detecting every frame while faces are close, taking a lost track back from a false detection,
// restarting a lost track's motion where it is found. Seeded synthetic scenes (bench/tracking-scenes.ts), no models.
import { describe, expect, it } from 'vitest';
import { evaluate, projectTracker, serverTracker } from '../../bench/tracking-eval.js';
import { targetRows } from '../../bench/report.js';
import { DEFAULT_MAX_MISS_MS, Tracker, type TrackerOptions } from '../../src/server/tracking/tracker.js';
import type { Vote } from '../../src/server/tracking/voting.js';
import type { Box } from '../../src/server/vision/detector.js';

const box = (x: number, y: number, width: number, height = width): Box => ({ x, y, width, height });
const opts: TrackerOptions = { minIou: 0.3, maxMisses: 5, voteWindow: 2, reembedEvery: 0 };
const vote: Vote = { personId: 'p1', name: 'Ada', score: 0.95 };

/** A tracker whose visible tracks have all voted, at `now`. */
function settledOn(boxes: Box[], now = 0): Tracker {
  const t = new Tracker(opts);
  for (let k = 0; k < 2; k++) for (const id of t.update(boxes, { now: now + 100 * k }).trackIds) t.vote(id, vote);
  return t;
}

describe('Tracker.settled near other faces', () => {
  it('is settled with two named faces apart, and not when they are about to meet', () => {
    expect(settledOn([box(100, 100, 80), box(600, 100, 80)]).settled()).toBe(true);
    // Centres 120 px apart, two faces of 80: they may cross before the next detection 200 ms later.
    expect(settledOn([box(100, 100, 80), box(220, 100, 80)]).settled()).toBe(false);
  });

  it('is not settled while a face hidden a moment ago is expected next to a visible one', () => {
    // Centres 170 px apart, faces of 80: not about to meet.
    const t = settledOn([box(100, 100, 80), box(270, 100, 80)]);
    t.update([box(100, 100, 80), box(270, 100, 80)], { now: 200 });
    expect(t.settled()).toBe(true);
    // The second face is not detected (someone stepped in front) while the first moves 20 px towards it.
    t.update([box(120, 100, 80)], { now: 300 });
    expect(t.visible()).toHaveLength(1);
    expect(t.settled()).toBe(false);
    // The visible face could have been either track's (the hidden one's gate has grown over it): its name waits for its
    // own embedding. Once that face is given up for lost, and the one left alone has confirmed its name, it is settled.
    for (let now = 400; now <= 2400; now += 100) {
      const f = t.update([box(120, 100, 80)], { now });
      for (const d of f.needEmbedding) t.vote(f.trackIds[d]!, vote);
    }
    expect(t.settled()).toBe(true);
  });
});

describe('Tracker: lost tracks', () => {
  it('keeps a track DEFAULT_MAX_MISS_MS (2 s) without its face: someone walking behind another for a second and a half', () => {
    expect(DEFAULT_MAX_MISS_MS).toBe(2000);
    const t = new Tracker({ minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 15 });
    const [id] = t.update([box(100, 100, 80)], { now: 0 }).trackIds;
    t.update([box(101, 100, 80)], { now: 67 });
    for (let now = 133; now < 1600; now += 67) t.update([], { now });
    expect(t.update([box(103, 101, 80)], { now: 1600 }).trackIds).toEqual([id]);
  });

  it('a false detection that took a lost track gives it back when the face shows up where the track was going', () => {
    const t = new Tracker({ minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 15 });
    // A face walking right at 300 px/s, at 15 fps.
    let id = 0;
    for (let k = 0; k < 10; k++) id = t.update([box(100 + 20 * k, 300, 80)], { now: 67 * k }).trackIds[0]!;
    // Hidden for 4 frames; then a false detection within reach of the widened prediction takes the track.
    for (let k = 10; k < 14; k++) t.update([], { now: 67 * k });
    expect(t.update([box(430, 200, 80)], { now: 67 * 14 }).trackIds).toEqual([id]);
    // The face itself comes out where it was heading (15 frames on at 20 px a frame); the false one is gone.
    expect(t.update([box(100 + 20 * 15, 300, 80)], { now: 67 * 15 }).trackIds).toEqual([id]);
    expect(t.update([box(100 + 20 * 16, 300, 80)], { now: 67 * 16 }).trackIds).toEqual([id]);
  });

  it('a lost track found far from its prediction restarts its motion there: the jump does not become a velocity', () => {
    const t = new Tracker({ minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 15 });
    // Walking right at 450 px/s, hidden for two frames, found standing 100 px short of where it was heading.
    let id = 0;
    for (let k = 0; k < 8; k++) id = t.update([box(100 + 30 * k, 300, 80)], { now: 67 * k }).trackIds[0]!;
    for (let k = 8; k < 10; k++) t.update([], { now: 67 * k });
    expect(t.update([box(300, 300, 80)], { now: 670 }).trackIds).toEqual([id]);
    // 200 ms on, it is expected where it was found (folding the jump in would carry it 16 px back).
    const [ahead] = t.coast({ now: 870 });
    expect(ahead!.id).toBe(id);
    expect(Math.abs(ahead!.box.x - 300)).toBeLessThan(2);
  });
});

describe('server default on the scenes: a 15 fps camera detected every 200 ms once its tracks are named', () => {
  // Seed 2 (the defaults were tuned on seed 1). Before the changes that came with this row: 6.27 per 100 faces.
  const server = evaluate(() => serverTracker(), 15, { scenes: 40, seed: 2 });

  it('coasts a good share of the frames, but never one without a face to predict', () => {
    expect(server.faces).toBeGreaterThan(400);
    // Frames with no face, frames where faces are near, and frames whose tracks are in doubt are all detected (0.65
    // on these scenes, which are empty for long stretches; before detection on entry it was 0.4).
    expect(server.detectedShare).toBeGreaterThan(0.3);
    expect(server.detectedShare).toBeLessThan(0.8);
  });

  it('switches about 2 ids per 100 faces, fewer than processing every third frame of the camera', () => {
    expect(server.switchesPer100).toBeLessThanOrEqual(2.5); // 1.96
    expect(server.switches).toBeLessThan(evaluate(() => projectTracker(), 5, { scenes: 40, seed: 2 }).switches);
  });

  it('every frame detected is the plain 15 fps tracker', () => {
    const everyFrame = evaluate(() => serverTracker(0), 15, { scenes: 8, seed: 2 });
    expect(everyFrame.detectedShare).toBe(1);
    expect(everyFrame.switches).toBe(evaluate(() => projectTracker(), 15, { scenes: 8, seed: 2 }).switches);
  });

  it("is the Targets table's tracking row when the results have it", () => {
    const e = (switchesPer100: number) => ({ switchesPer100, switches: switchesPer100 * 2, faces: 200 });
    const name = 'server default: 15 fps camera, DETECT_INTERVAL_MS 200';
    const tracking = { benchmark: 'tracking', serverDefault: name, results: { new: { '15': e(0.5) }, [name]: { '15': e(1.5) } } };
    const row = targetRows({ tracking }).find((r) => r[0]!.startsWith('tracking'))!;
    expect(row).toEqual([`tracking at camera pace (${name}): <= 1 id switch per 100 faces`, '1.5 per 100 faces', '**not met**']);
  });
});
