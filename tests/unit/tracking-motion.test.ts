// Motion-aware tracking: the Kalman box filter, association by predicted box, and the tracker over real time between
// frames. Pure state, no models.
import { describe, expect, it } from 'vitest';
import { legacyTracker } from '../../bench/tracking-eval.js';
import { rng } from '../../bench/tracking-scenes.js';
import { associateTracks, pairCost, predictionDistance, type TrackCandidate } from '../../src/server/tracking/association.js';
import { kalmanMotion, sizeOf } from '../../src/server/tracking/motion.js';
import { Tracker, type TrackerOptions } from '../../src/server/tracking/tracker.js';
import type { Box } from '../../src/server/vision/detector.js';

const box = (x: number, y: number, width: number, height = width): Box => ({ x, y, width, height });
const centre = (b: Box) => [b.x + b.width / 2, b.y + b.height / 2] as const;
const opts = (over: Partial<TrackerOptions> = {}): TrackerOptions => ({ minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 15, ...over });

describe('kalmanMotion', () => {
  it('learns a constant velocity and predicts over the real time to the next frame', () => {
    // 300 px/s to the right, 60 px/s down, frames 66.7 ms apart.
    const at = (ms: number) => box(100 + 0.3 * ms, 200 + 0.06 * ms, 80);
    const m = kalmanMotion(at(0), 0);
    for (let k = 1; k <= 15; k++) {
      m.predict((k * 1000) / 15);
      m.correct(at((k * 1000) / 15));
    }
    // After a dropped frame: 200 ms ahead, the truth is 60 px further on.
    const p = m.predict(1000 + 200);
    const [cx, cy] = centre(p.box);
    const [tx, ty] = centre(at(1200));
    // Within a tenth of the face (the filter lets an unseen face's velocity fade over ~2 s: people stop).
    expect(Math.abs(cx - tx)).toBeLessThan(8);
    expect(Math.abs(cy - ty)).toBeLessThan(2);
    // Without the motion model the box would be 60 px off.
    expect(Math.abs(cx - centre(at(1000))[0])).toBeGreaterThan(50);
    expect(p.box.width).toBeCloseTo(80, 0);
  });

  it("an unseen face's prediction grows less sure with time, and a new track is least sure where it will go", () => {
    const m = kalmanMotion(box(0, 0, 100), 0);
    const first = m.predict(67).sigmaX;
    m.correct(box(10, 0, 100));
    const seen = m.predict(133).sigmaX;
    const later = m.predict(533).sigmaX;
    expect(seen).toBeLessThan(first);
    expect(later).toBeGreaterThan(seen * 2);
    // A new track knows nothing of its velocity: up to ~3 sizes/s, so after 200 ms about 0.6 sizes (60 px).
    const fresh = kalmanMotion(box(0, 0, 100), 0).predict(200);
    expect(fresh.sigmaX).toBeGreaterThan(40);
    expect(fresh.sigmaX).toBeLessThan(80);
  });

  it('sizes a face by its longer side, so a face cut off by the edge of the picture keeps its size', () => {
    expect(sizeOf(box(0, 0, 40, 100))).toBe(100); // half the face outside the left edge
    expect(sizeOf(box(0, 0, 90, 100))).toBe(100);
  });
});

const candidate = (prediction: ReturnType<ReturnType<typeof kalmanMotion>['predict']>, misses = 0, last = prediction.box, gapS = 0.067): TrackCandidate => ({
  prediction,
  misses,
  last,
  gapS,
});

describe('associateTracks', () => {
  it('continues a small fast face whose boxes never overlap, by its predicted box', () => {
    // A 30 px face moving 25 px per frame (375 px/s at 15 fps): consecutive boxes overlap with IoU 0.09.
    const m = kalmanMotion(box(0, 100, 30), 0);
    for (let k = 1; k <= 4; k++) {
      m.predict(k * 66.7);
      m.correct(box(25 * k, 100, 30));
    }
    const p = m.predict(5 * 66.7);
    expect(associateTracks([candidate(p, 0, box(100, 100, 30))], [box(125, 101, 30)], { minIou: 0.3, gate: 4, maxSpeed: 12 })).toEqual([0]);
  });

  it('a stale track cannot take the detection of a face that is still being followed', () => {
    // Two tracks predicted at the same place: one was seen last frame and is sure of itself, one was lost 8 frames ago.
    const live = kalmanMotion(box(200, 200, 80), 0);
    for (let k = 1; k <= 5; k++) {
      live.predict(k * 66.7);
      live.correct(box(200, 200, 80));
    }
    const stale = kalmanMotion(box(200, 200, 80), 0);
    stale.predict(66.7);
    stale.correct(box(200, 200, 80));
    const det = [box(204, 202, 80)];
    const pLive = live.predict(6 * 66.7);
    const pStale = stale.predict(6 * 66.7);
    expect(predictionDistance(pStale, det[0]!)).toBeLessThan(predictionDistance(pLive, det[0]!)); // the stale one is closer in its own (wide) terms...
    expect(pairCost(pStale, det[0]!)).toBeGreaterThan(pairCost(pLive, det[0]!)); // ...but less likely
    const o = { minIou: 0.3, gate: 4, maxSpeed: 12, missPenalty: 0.5 };
    expect(associateTracks([candidate(pStale, 8, box(200, 200, 80), 0.4), candidate(pLive, 0)], det, o)).toEqual([1]);
    expect(associateTracks([candidate(pLive, 0), candidate(pStale, 8, box(200, 200, 80), 0.4)], det, o)).toEqual([0]);
  });

  it('no face moves faster than maxSpeed sizes a second from where it was last seen', () => {
    const m = kalmanMotion(box(0, 0, 50), 0);
    const p = m.predict(100);
    const o = { minIou: 0.3, gate: 1e9 }; // the gate alone would allow anything
    // 100 ms at 12 sizes/s plus half a size of slack: 1.7 sizes = 85 px of centre travel.
    expect(associateTracks([candidate(p, 1, box(0, 0, 50), 0.1)], [box(80, 0, 50)], { ...o, maxSpeed: 12 })).toEqual([0]);
    expect(associateTracks([candidate(p, 1, box(0, 0, 50), 0.1)], [box(90, 0, 50)], { ...o, maxSpeed: 12 })).toEqual([-1]);
  });

  it('gives each track at most one detection, the more likely one', () => {
    const m = kalmanMotion(box(100, 100, 60), 0);
    const p = m.predict(67);
    expect(associateTracks([candidate(p)], [box(112, 100, 60), box(102, 101, 60)], { minIou: 0.3, gate: 4 })).toEqual([-1, 0]);
  });
});

/** A face sliding in from the left edge at `speed` px/s, processed at ~15 fps with uneven gaps and detector jitter. */
function slideIn(size: number, speed: number, seed: number, dropRate = 0.3): { now: number; box: Box }[] {
  const r = rng(seed);
  const frames: { now: number; box: Box }[] = [];
  for (let now = 0; now < 3000; now += 66.7 * (r.uniform() < dropRate ? 2 : 1)) {
    const x = -size / 2 + (speed * now) / 1000;
    const x0 = Math.max(0, x);
    const w = x + size - x0;
    if (w < 0.6 * size || x > 1280) continue;
    frames.push({ now, box: box(x0 + 0.03 * size * r.normal(), 300 + 0.03 * size * r.normal(), w, size) });
  }
  return frames;
}

describe('Tracker at camera pace', () => {
  it('holds a small face sliding in at 240 px/s at 15 fps with dropped frames, where the IoU-only tracker lost it', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const frames = slideIn(48, 240, seed);
      const old = legacyTracker(0.3, 5);
      const oldIds = new Set(frames.map((f) => old([f.box], f.now)[0]));
      expect(oldIds.size).toBeGreaterThan(1);
      const t = new Tracker(opts());
      const ids = new Set(frames.map((f) => t.update([f.box], { now: f.now }).trackIds[0]));
      expect(ids.size).toBe(1);
    }
  });

  it('holds faces sliding at 480 px/s too, at 5 fps', () => {
    const frames = slideIn(80, 480, 7).filter((_, i) => i % 3 === 0);
    const t = new Tracker(opts());
    expect(new Set(frames.map((f) => t.update([f.box], { now: f.now }).trackIds[0])).size).toBe(1);
  });

  it('a track seen more than once survives maxMissMs without its face, however many frames that is', () => {
    const t = new Tracker(opts({ maxMisses: 2, maxMissMs: 1000 }));
    const [id] = t.update([box(100, 100, 80)], { now: 0 }).trackIds;
    t.update([box(102, 100, 80)], { now: 33 });
    for (let now = 66; now <= 900; now += 33) t.update([], { now }); // 26 empty frames at 30 fps
    expect(t.update([box(104, 101, 80)], { now: 933 }).trackIds).toEqual([id]);
    for (let now = 966; now <= 2000; now += 33) t.update([], { now });
    expect(t.update([box(104, 101, 80)], { now: 2033 }).trackIds).not.toEqual([id]);
  });

  it('a one-frame detection does not linger past maxMisses to catch the next face', () => {
    const t = new Tracker(opts({ maxMisses: 2, maxMissMs: 1000 }));
    const [ghost] = t.update([box(600, 300, 80)], { now: 0 }).trackIds;
    for (let now = 33; now <= 200; now += 33) t.update([], { now });
    expect(t.update([box(600, 300, 80)], { now: 233 }).trackIds).not.toEqual([ghost]);
  });

  it('a capture clock that stands still or jumps back counts as one frame passing', () => {
    const t = new Tracker(opts());
    const ids = [0, 66, 66, 10, 76].map((now, k) => t.update([box(100 + 20 * k, 100, 80)], { now }).trackIds[0]);
    expect(new Set(ids).size).toBe(1);
  });

  it('without timestamps each update is one frame of DEFAULT_FRAME_MS, and the known failure still holds', () => {
    const frames = slideIn(48, 240, 3, 0); // every frame of a 15 fps camera
    const t = new Tracker(opts());
    expect(new Set(frames.map((f) => t.update([f.box]).trackIds[0])).size).toBe(1);
  });
});
