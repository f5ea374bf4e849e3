// A named track must not keep its name when someone else takes its place: a jump or a return after a miss triggers a
// re-check, and a re-check that disagrees keeps embedding every frame until the majority decides; one odd
// embedding alone still changes nothing.
import { describe, expect, it } from 'vitest';
import { Tracker, type TrackerOptions } from '../../src/server/tracking/tracker.js';
import type { Box } from '../../src/server/vision/detector.js';

const box = (x: number, y: number, width: number, height: number): Box => ({ x, y, width, height });
const opts: TrackerOptions = { minIou: 0.3, maxMisses: 5, maxMissMs: 0, voteWindow: 5, reembedEvery: 15 };
const ann = { personId: 'ann', name: 'Ann', score: 0.97 };
const nobody = { personId: null, name: null, score: 0.6 };

/** A tracker with one track named Ann after a full vote window, at `at`. */
function settled(at: Box) {
  const t = new Tracker(opts);
  let id = 0;
  for (let i = 0; i < 5; i++) {
    const f = t.update([at]);
    id = f.trackIds[0]!;
    t.vote(id, ann);
  }
  expect(t.visible()[0]).toMatchObject({ state: 'recognized', name: 'Ann' });
  return { t, id };
}

describe('re-checking a named track', () => {
  it('does not embed a settled track that holds still until the periodic re-check', () => {
    const { t } = settled(box(100, 100, 80, 80));
    expect(t.update([box(101, 100, 80, 80)]).needEmbedding).toEqual([]);
  });

  it('re-checks a track whose box jumps: a disagreeing embedding withholds the name at once, and the majority then decides', () => {
    const { t, id } = settled(box(100, 100, 80, 80));
    // Another face appears where the track is predicted, but offset: the track continues, and is re-checked at once.
    const frame = t.update([box(130, 110, 80, 80)]);
    expect(frame).toMatchObject({ trackIds: [id], needEmbedding: [0] });
    t.vote(id, nobody);
    expect(t.visible()[0]).toMatchObject({ state: 'pending', name: null });
    let frames = 0;
    while (t.visible()[0]!.state !== 'unknown' && frames < 10) {
      const f = t.update([box(130, 110, 80, 80)]);
      expect(f.needEmbedding).toEqual([0]); // in doubt: every frame is checked
      t.vote(id, nobody);
      expect(t.visible()[0]!.name).toBeNull();
      frames += 1;
    }
    expect(t.visible()[0]).toMatchObject({ state: 'unknown', name: null });
    expect(frames).toBeLessThanOrEqual(3);
  });

  it('withholds the name after one odd embedding, even one that resembles her most, and gives it back when the next agrees', () => {
    const { t, id } = settled(box(100, 100, 80, 80));
    t.update([box(100, 100, 80, 80)]);
    t.vote(id, { ...nobody, bestPersonId: 'ann' }); // a blurred frame: below the threshold, closest to Ann
    expect(t.visible()[0]).toMatchObject({ state: 'pending', name: null });
    expect(t.update([box(100, 100, 80, 80)]).needEmbedding).toEqual([0]);
    t.vote(id, ann);
    expect(t.visible()[0]!.name).toBe('Ann');
    expect(t.update([box(100, 100, 80, 80)]).needEmbedding).toEqual([]);
    expect(t.visible()[0]!.name).toBe('Ann');
  });

  it('withholds the name while the latest embedding points to someone else, and gives it back when hers agrees', () => {
    const { t, id } = settled(box(100, 100, 80, 80));
    t.update([box(100, 100, 80, 80)]);
    t.vote(id, { ...nobody, bestPersonId: 'bob' });
    expect(t.visible()[0]).toMatchObject({ state: 'pending', name: null, personId: null });
    t.update([box(100, 100, 80, 80)]);
    t.vote(id, ann);
    expect(t.visible()[0]).toMatchObject({ state: 'recognized', name: 'Ann' });
  });

  it('withholds the name of a track that comes back after a quarter second unseen until its embedding confirms it; another face starts afresh', () => {
    const { t, id } = settled(box(100, 100, 80, 80));
    for (let i = 0; i < 4; i++) t.update([]); // 4 frames of 15 fps: long enough for one person to leave and another to arrive
    const back = t.update([box(100, 100, 80, 80)]);
    expect(back).toMatchObject({ trackIds: [id], needEmbedding: [0] });
    expect(t.visible()[0]).toMatchObject({ state: 'pending', name: null });
    t.vote(id, ann);
    expect(t.visible()[0]).toMatchObject({ state: 'recognized', name: 'Ann' });
    // Gone again, and someone else comes back in her place: named by their own votes only, never as Ann.
    for (let i = 0; i < 4; i++) t.update([]);
    t.update([box(100, 100, 80, 80)]);
    expect(t.visible()[0]).toMatchObject({ state: 'pending', name: null });
    t.vote(id, { personId: 'bob', name: 'Bob', score: 0.95, bestPersonId: 'bob' });
    expect(t.visible()[0]).toMatchObject({ state: 'recognized', name: 'Bob' });
  });

  it('re-checks a track that comes back after a miss', () => {
    const { t } = settled(box(100, 100, 80, 80));
    t.update([]);
    expect(t.update([box(100, 100, 80, 80)]).needEmbedding).toEqual([0]);
  });
});
