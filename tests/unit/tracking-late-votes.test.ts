// On a busy server a frame may be answered before the embedding that checks it has voted (the pipeline's answer budget,
// issue 20), and frames are predicted while that embedding runs even when the tracker would have detected them. These
// rules keep a name off a face it may not belong to in that time; on a quiet server the vote lands before the frame is
// answered, and nothing changes. bench/naming.ts measures them on seeded scenes (the `loaded` rows).
import { describe, expect, it } from 'vitest';
import { Tracker, type TrackerOptions } from '../../src/server/tracking/tracker.js';
import type { Box } from '../../src/server/vision/detector.js';

const box = (x: number, y: number, size = 80): Box => ({ x, y, width: size, height: size });
const opts: TrackerOptions = { minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 15 };
const vote = (personId: string) => ({ personId, name: personId, score: 0.95, bestPersonId: personId });
const FRAME = 1000 / 15;

/** A tracker whose faces (one per box) were each detected and named on `frames` frames, 15 fps, ending at `now`. */
function named(boxes: Box[], names: string[], frames = 5) {
  const t = new Tracker(opts);
  let now = 0;
  let ids: number[] = [];
  for (let i = 0; i < frames; i++) {
    now = i * FRAME;
    ids = t.update(boxes, { now }).trackIds;
    ids.forEach((id, k) => t.vote(id, vote(names[k]!)));
  }
  return { t, ids, now };
}

describe('names while a vote is late', () => {
  it('a track that comes back after a missed frame shows no name until the embedding that checks it has voted', () => {
    const { t, ids, now } = named([box(100, 100)], ['ann']);
    t.update([], { now: now + FRAME }); // the detector missed her for a frame
    const back = t.update([box(102, 100)], { now: now + 2 * FRAME });
    expect(back).toMatchObject({ trackIds: [ids[0]], needEmbedding: [0] });
    expect(t.visible()[0]).toMatchObject({ id: ids[0], state: 'pending', name: null });
    t.vote(ids[0]!, vote('ann'));
    expect(t.visible()[0]).toMatchObject({ state: 'recognized', name: 'ann' });
  });

  it('a face seen on the last frame that finds no detection, beside one another track took, makes that track prove itself', () => {
    // Two small faces side by side; on the next frame the detector finds one box, where Bob's track continues it
    // without a jump, and out of reach of Ann's tight gate: it may be Ann's face, moved further than her track allows.
    const { t, ids, now } = named([box(100, 100, 40), box(150, 100, 40)], ['ann', 'bob']);
    const f = t.update([box(142, 100, 40)], { now: now + FRAME });
    expect(f.trackIds).toEqual([ids[1]]);
    expect(f.needEmbedding).toEqual([0]);
    expect(t.visible()).toEqual([expect.objectContaining({ id: ids[1], state: 'pending', name: null })]);
  });

  it('a predicted box carries a name only where the tracker would have predicted it: seen twice, its votes complete, no face near', () => {
    // Ann seen once and named by her first vote: her prediction is where she was.
    const once = new Tracker(opts);
    const [ann] = once.update([box(100, 100)], { now: 0 }).trackIds;
    once.vote(ann!, vote('ann'));
    expect(once.visible()[0]!.name).toBe('ann');
    expect(once.coast({ now: FRAME })[0]).toMatchObject({ id: ann, name: null });

    // Named on three frames: her votes are not complete yet.
    const young = named([box(100, 100)], ['ann'], 3);
    expect(young.t.coast({ now: young.now + FRAME })[0]).toMatchObject({ name: null });

    // A full vote window, alone: predicted with her name.
    const alone = named([box(100, 100)], ['ann']);
    expect(alone.t.coast({ now: alone.now + FRAME })[0]).toMatchObject({ name: 'ann' });

    // Two faces a little more than a face apart: both predicted without names.
    const pair = named([box(100, 100), box(200, 100)], ['ann', 'bob']);
    expect(pair.t.coast({ now: pair.now + FRAME }).map((s) => s.name)).toEqual([null, null]);
  });

  it('two faces predicted closing in on each other may have crossed unseen: the next detection of either waits for its embedding', () => {
    // Ann walks right and Bob left, 30 px a frame, 180 px apart (centres) at the last detection.
    const t = new Tracker(opts);
    let ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      ids = t.update([box(30 * i, 100), box(420 - 30 * i, 100)], { now: i * FRAME }).trackIds;
      ids.forEach((id, k) => t.vote(id, vote(k ? 'bob' : 'ann')));
    }
    const now = 4 * FRAME;
    t.coast({ now: now + FRAME });
    t.coast({ now: now + 2 * FRAME });
    // They may have passed each other while predicted; the detector sees two faces where each track expects its own.
    const f = t.update([box(150, 100), box(270, 100)], { now: now + 3 * FRAME });
    expect(f.trackIds).toEqual(ids);
    expect(f.needEmbedding).toEqual([0, 1]);
    expect(t.visible().map((s) => s.name)).toEqual([null, null]);
    // Their embeddings say who is where now: each track's evidence starts afresh from its own face.
    t.vote(ids[0]!, vote('bob'));
    t.vote(ids[1]!, vote('ann'));
    expect(t.visible().map((s) => s.name)).toEqual(['bob', 'ann']);
  });

  it('two faces that stay side by side while predicted keep their names at the next detection, without new embeddings', () => {
    // Near each other (centres 155 px apart, faces 80 px) and still: they cannot have swapped. Re-confirming them at every
    // detection embedded both again each time, and on a busy server that kept them predicted and nameless.
    const side = named([box(100, 100), box(255, 100)], ['ann', 'bob']);
    side.t.coast({ now: side.now + FRAME });
    const f = side.t.update([box(100, 100), box(255, 100)], { now: side.now + 2 * FRAME });
    expect(f.needEmbedding).toEqual([]);
    expect(side.t.visible().map((s) => s.name)).toEqual(['ann', 'bob']);
    // Faces apart and predicted alone (settled) keep their names too: the rule costs nothing on a quiet scene.
    const apart = named([box(100, 100), box(600, 100)], ['ann', 'bob']);
    apart.t.coast({ now: apart.now + FRAME });
    apart.t.update([box(100, 100), box(600, 100)], { now: apart.now + 2 * FRAME });
    expect(apart.t.visible().map((s) => s.name)).toEqual(['ann', 'bob']);
  });

  it('a face found far from its last box but where its motion predicted keeps its name while the check it triggers runs', () => {
    // Ann walks right 30 px a frame; two frames are predicted while a busy server embeds, and the next detection is 90 px
    // from her last box (no overlap), where her motion said. A jump would withhold her name until the check votes; on a
    // loaded server that cost a walking face its name on most detected frames (bench/naming.ts, loaded rows).
    const t = new Tracker(opts);
    let id = 0;
    for (let i = 0; i < 5; i++) {
      id = t.update([box(30 * i, 100)], { now: i * FRAME }).trackIds[0]!;
      t.vote(id, vote('ann'));
    }
    t.coast({ now: 5 * FRAME });
    t.coast({ now: 6 * FRAME });
    const f = t.update([box(30 * 7, 100)], { now: 7 * FRAME });
    expect(f).toEqual({ trackIds: [id], needEmbedding: [0] });
    expect(t.routineCheck(id)).toBe(false); // waited for within the answer budget, like any check that is not routine
    expect(t.visible()[0]).toMatchObject({ state: 'recognized', name: 'ann' });
    expect(t.settled()).toBe(false); // the check is due: the next frame is detected, not predicted
    t.vote(id, vote('ann'));
    expect(t.routineCheck(id)).toBe(true);
    // A stranger's embedding there takes the name off at once, as for any check that disagrees.
    t.update([box(30 * 8, 100)], { now: 8 * FRAME });
    t.vote(id, { personId: null, name: null, score: 0.3, bestPersonId: 'ann' });
    expect(t.visible()[0]).toMatchObject({ state: 'pending', name: null });
  });

  it('a face found as far from a still track, or much larger where it was, shows no name until its check has voted', () => {
    // Ann stood still: a face 90 px away is not where she was going.
    const still = named([box(100, 100)], ['ann']);
    still.t.coast({ now: still.now + FRAME });
    const f = still.t.update([box(190, 100)], { now: still.now + 2 * FRAME });
    expect(f.needEmbedding).toEqual([0]);
    expect(still.t.visible()[0]).toMatchObject({ state: 'pending', name: null });
    // A face 1.375x wider on her box, same centre (overlap 0.53, enough by itself): someone in front of her.
    const grown = named([box(100, 100)], ['ann']);
    const g = grown.t.update([box(85, 85, 110)], { now: grown.now + FRAME });
    expect(g.needEmbedding).toEqual([0]);
    expect(grown.t.visible()[0]).toMatchObject({ state: 'pending', name: null });
    // 1.2x wider, same centre: a face coming closer keeps its name.
    const closer = named([box(100, 100)], ['ann']);
    closer.t.update([box(92, 92, 96)], { now: closer.now + FRAME });
    expect(closer.t.visible()[0]).toMatchObject({ state: 'recognized', name: 'ann' });
  });
});
