// Tracking: box geometry, identity voting and the per-camera tracker. Pure state, no models.
import { describe, expect, it } from 'vitest';
import { associate, iou } from '../../src/server/tracking/geometry.js';
import { Tracker, type TrackerOptions } from '../../src/server/tracking/tracker.js';
import { decideIdentity, PENDING, type Identity, type Vote } from '../../src/server/tracking/voting.js';
import type { Box } from '../../src/server/vision/detector.js';

const box = (x: number, y: number, width: number, height: number): Box => ({ x, y, width, height });

describe('iou', () => {
  it('is 1 for identical boxes', () => {
    expect(iou(box(10, 20, 30, 40), box(10, 20, 30, 40))).toBe(1);
  });

  it('computes a partial overlap by hand', () => {
    // a = [0,10]x[0,10], b = [5,15]x[5,15]: intersection 5*5 = 25, union 100 + 100 - 25 = 175.
    expect(iou(box(0, 0, 10, 10), box(5, 5, 10, 10))).toBeCloseTo(25 / 175, 12);
  });

  it('handles one box inside another', () => {
    // inner 4x4 = 16 inside outer 10x10 = 100: 16 / 100.
    expect(iou(box(0, 0, 10, 10), box(3, 3, 4, 4))).toBeCloseTo(0.16, 12);
  });

  it('is symmetric', () => {
    const a = box(0, 0, 10, 20);
    const b = box(4, 6, 12, 8);
    // x overlap [4,10] = 6, y overlap [6,14] = 8: 48; union 200 + 96 - 48 = 248.
    expect(iou(a, b)).toBeCloseTo(48 / 248, 12);
    expect(iou(b, a)).toBeCloseTo(48 / 248, 12);
  });

  it('is 0 for disjoint boxes and for boxes that only touch', () => {
    expect(iou(box(0, 0, 10, 10), box(20, 20, 5, 5))).toBe(0);
    expect(iou(box(0, 0, 10, 10), box(10, 0, 10, 10))).toBe(0); // shared edge, no area
    expect(iou(box(0, 0, 10, 10), box(0, 10, 10, 10))).toBe(0);
  });

  it('is 0, not NaN, for zero-area boxes', () => {
    expect(iou(box(5, 5, 0, 0), box(5, 5, 0, 0))).toBe(0);
  });
});

describe('associate', () => {
  it('pairs each detection with its overlapping track, whatever the order', () => {
    const tracks = [box(0, 0, 10, 10), box(100, 100, 10, 10)];
    const detections = [box(101, 101, 10, 10), box(1, 1, 10, 10)];
    expect(associate(tracks, detections, 0.3)).toEqual([1, 0]);
  });

  it('returns -1 for detections under the IoU threshold', () => {
    // IoU of (0,0,10,10) and (5,0,10,10): 50 / 150 = 1/3.
    expect(associate([box(0, 0, 10, 10)], [box(5, 0, 10, 10)], 0.34)).toEqual([-1]);
    expect(associate([box(0, 0, 10, 10)], [box(5, 0, 10, 10)], 1 / 3)).toEqual([0]); // threshold is inclusive
  });

  it('gives a track to at most one detection, the best-overlapping one', () => {
    const tracks = [box(0, 0, 10, 10)];
    // d0: IoU 50/150 = 0.333; d1: IoU 90/110 = 0.818.
    const detections = [box(5, 0, 10, 10), box(1, 0, 10, 10)];
    expect(associate(tracks, detections, 0.1)).toEqual([-1, 0]);
  });

  it('is greedy by descending IoU across all pairs', () => {
    // t0 overlaps d0 (IoU 0.818) and d1 (IoU 0.333); t1 overlaps only d1 (IoU 0.818).
    const tracks = [box(0, 0, 10, 10), box(9, 0, 10, 10)];
    const detections = [box(1, 0, 10, 10), box(8, 0, 10, 10)];
    expect(associate(tracks, detections, 0.1)).toEqual([0, 1]);
  });

  it('handles no tracks and no detections', () => {
    expect(associate([], [box(0, 0, 1, 1)], 0.3)).toEqual([-1]);
    expect(associate([box(0, 0, 1, 1)], [], 0.3)).toEqual([]);
  });
});

const A = (score = 0.95): Vote => ({ personId: 'a', name: 'Alice', score });
const B = (score = 0.95): Vote => ({ personId: 'b', name: 'Bob', score });
const U = (score = 0.4): Vote => ({ personId: null, name: null, score });
const alice: Identity = { state: 'recognized', personId: 'a', name: 'Alice', score: 0.95 };

describe('decideIdentity', () => {
  it('stays pending with no votes', () => {
    expect(decideIdentity([], PENDING)).toEqual({ state: 'pending', personId: null, name: null, score: null });
  });

  it('keeps a previous identity when there are no votes', () => {
    expect(decideIdentity([], alice)).toEqual(alice);
  });

  it('a single vote is a strict majority', () => {
    expect(decideIdentity([B(0.9)], PENDING)).toEqual({ state: 'recognized', personId: 'b', name: 'Bob', score: 0.9 });
  });

  it('a strict majority decides, with the mean score of the winning votes', () => {
    // A: 3 of 5 votes, scores 0.9, 0.8, 0.7: mean 0.8.
    const id = decideIdentity([A(0.9), B(0.99), A(0.8), B(0.99), A(0.7)], PENDING);
    expect(id.state).toBe('recognized');
    expect(id.personId).toBe('a');
    expect(id.name).toBe('Alice');
    expect(id.score).toBeCloseTo(0.8, 12);
  });

  it('an unknown majority gives state unknown with the mean best-candidate score', () => {
    // null: 3 of 4 votes, scores 0.3, 0.5, 0.4: mean 0.4.
    const id = decideIdentity([U(0.3), A(0.95), U(0.5), U(0.4)], alice);
    expect(id.state).toBe('unknown');
    expect(id.personId).toBeNull();
    expect(id.name).toBeNull();
    expect(id.score).toBeCloseTo(0.4, 12);
  });

  it('without a strict majority the previous identity holds (hysteresis)', () => {
    // 2 of 4 is not a strict majority.
    expect(decideIdentity([B(), B(), U(), A()], alice)).toEqual(alice);
    // Three-way split: 2 of 5 for the leader.
    const bob: Identity = { state: 'recognized', personId: 'b', name: 'Bob', score: 0.9 };
    expect(decideIdentity([A(), A(), U(), U(), B()], bob)).toEqual(bob);
  });

  it('a tie is never a majority, however uneven the score sums', () => {
    // A and B both have 2 of 4 votes; B's score sum (1.98) beats A's (0.2), but 2 * 2 <= 4 so no one wins.
    // (A count tie at the top always means no strict majority, so the score-sum tie-break cannot change the outcome.)
    expect(decideIdentity([A(0.1), B(0.99), A(0.1), B(0.99)], alice)).toEqual(alice);
    const unknown: Identity = { state: 'unknown', personId: null, name: null, score: 0.3 };
    expect(decideIdentity([A(0.1), B(0.99), A(0.1), B(0.99)], unknown)).toEqual(unknown);
  });

  it('without a majority a pending track stays pending', () => {
    expect(decideIdentity([A(), B()], PENDING)).toEqual(PENDING);
    expect(decideIdentity([A(), B(), U()], PENDING).state).toBe('pending');
  });

  it('the name comes from the votes, not the previous identity', () => {
    const renamed = decideIdentity([{ personId: 'a', name: 'Alice Smith', score: 0.9 }], alice);
    expect(renamed.name).toBe('Alice Smith');
  });
});

// maxMissMs 0: these tests count misses in frames only (time-based survival is tested in tracking-motion.test.ts).
const opts = (over: Partial<TrackerOptions> = {}): TrackerOptions => ({ minIou: 0.3, maxMisses: 2, maxMissMs: 0, voteWindow: 3, reembedEvery: 4, ...over });

describe('Tracker', () => {
  it('keeps a track id while the box moves a little between frames', () => {
    const t = new Tracker(opts());
    const ids: number[] = [];
    for (let f = 0; f < 10; f++) ids.push(t.update([box(100 + f * 2, 50 + f, 80, 80)]).trackIds[0]!);
    expect(new Set(ids).size).toBe(1);
    expect(t.visible()).toHaveLength(1);
    expect(t.visible()[0]!.age).toBe(10);
    expect(t.visible()[0]!.box).toEqual(box(118, 59, 80, 80));
  });

  it('gives two faces two ids and keeps them apart as they move', () => {
    const t = new Tracker(opts());
    const first = t.update([box(0, 0, 50, 50), box(200, 0, 50, 50)]).trackIds;
    expect(first[0]).not.toBe(first[1]);
    // Next frame, detections in the other order and shifted a little.
    const second = t.update([box(203, 2, 50, 50), box(3, 2, 50, 50)]).trackIds;
    expect(second).toEqual([first[1], first[0]]);
    expect(
      t
        .visible()
        .map((s) => s.id)
        .sort(),
    ).toEqual([...first].sort());
  });

  it('a box that jumps far away starts a new track', () => {
    const t = new Tracker(opts());
    const [id1] = t.update([box(0, 0, 50, 50)]).trackIds;
    const [id2] = t.update([box(300, 300, 50, 50)]).trackIds;
    expect(id2).not.toBe(id1);
  });

  it('keeps the id through up to maxMisses empty frames', () => {
    const t = new Tracker(opts({ maxMisses: 2 }));
    const [id] = t.update([box(10, 10, 60, 60)]).trackIds;
    t.update([]);
    t.update([]); // misses = 2 = maxMisses: still alive
    expect(t.update([box(12, 11, 60, 60)]).trackIds).toEqual([id]);
  });

  it('drops a track missing for more than maxMisses frames; the face comes back with a new id', () => {
    const t = new Tracker(opts({ maxMisses: 2 }));
    const [id] = t.update([box(10, 10, 60, 60)]).trackIds;
    t.update([]);
    t.update([]);
    t.update([]); // misses = 3 > maxMisses: retired
    const [again] = t.update([box(10, 10, 60, 60)]).trackIds;
    expect(again).not.toBe(id);
    expect(t.visible()).toHaveLength(1);
    expect(t.visible()[0]!.state).toBe('pending');
  });

  it('with maxMisses 0 a single missed frame ends the track', () => {
    const t = new Tracker(opts({ maxMisses: 0 }));
    const [id] = t.update([box(10, 10, 60, 60)]).trackIds;
    t.update([]);
    expect(t.update([box(10, 10, 60, 60)]).trackIds[0]).not.toBe(id);
  });

  it('ids are never reused', () => {
    const t = new Tracker(opts({ maxMisses: 0 }));
    const seen = new Set<number>();
    for (let i = 0; i < 5; i++) {
      seen.add(t.update([box(0, 0, 40, 40)]).trackIds[0]!);
      t.update([]);
    }
    expect(seen.size).toBe(5);
  });

  it('visible() lists only tracks seen in the latest frame', () => {
    const t = new Tracker(opts({ maxMisses: 3 }));
    const [a, b] = t.update([box(0, 0, 50, 50), box(200, 0, 50, 50)]).trackIds;
    expect(
      t
        .visible()
        .map((s) => s.id)
        .sort(),
    ).toEqual([a, b].sort());
    t.update([box(1, 0, 50, 50)]); // b missed this frame but is still tracked
    expect(t.visible().map((s) => s.id)).toEqual([a]);
    t.update([box(2, 0, 50, 50), box(201, 0, 50, 50)]); // b is back, with its id
    expect(
      t
        .visible()
        .map((s) => s.id)
        .sort(),
    ).toEqual([a, b].sort());
    t.update([]);
    expect(t.visible()).toEqual([]);
  });

  it('needEmbedding lists every detection until its vote window is full, then every reembedEvery frames', () => {
    const t = new Tracker(opts({ voteWindow: 3, reembedEvery: 4 }));
    const wanted: boolean[] = [];
    for (let f = 1; f <= 14; f++) {
      const { trackIds, needEmbedding } = t.update([box(f, 0, 60, 60)]);
      const wants = needEmbedding.includes(0);
      wanted.push(wants);
      if (wants) t.vote(trackIds[0]!, A());
    }
    // Frames 1-3 fill the window; then 4 frames after each vote: frames 7, 11 (votes at 3, 7, 11).
    expect(wanted.map((w, i) => (w ? i + 1 : 0)).filter(Boolean)).toEqual([1, 2, 3, 7, 11]);
  });

  it('a track keeps asking for an embedding while no vote arrives', () => {
    const t = new Tracker(opts({ voteWindow: 2 }));
    for (let f = 0; f < 5; f++) expect(t.update([box(0, 0, 60, 60)]).needEmbedding).toEqual([0]);
  });

  it('with reembedEvery 0 a track with a full window never asks again', () => {
    const t = new Tracker(opts({ voteWindow: 2, reembedEvery: 0 }));
    const asked: number[] = [];
    for (let f = 1; f <= 20; f++) {
      const { trackIds, needEmbedding } = t.update([box(0, 0, 60, 60)]);
      if (needEmbedding.length) {
        asked.push(f);
        t.vote(trackIds[0]!, A());
      }
    }
    expect(asked).toEqual([1, 2]);
  });

  it('needEmbedding gives detection indices, per track', () => {
    const t = new Tracker(opts({ voteWindow: 1, reembedEvery: 0 }));
    const first = t.update([box(0, 0, 50, 50), box(200, 0, 50, 50)]);
    expect(first.needEmbedding).toEqual([0, 1]);
    t.vote(first.trackIds[0]!, A()); // only the first face gets its vote
    // Reordered detections: the unvoted track (now detection 0) still wants one; the voted one (detection 1) does not.
    const second = t.update([box(201, 0, 50, 50), box(1, 0, 50, 50)]);
    expect(second.trackIds).toEqual([first.trackIds[1], first.trackIds[0]]);
    expect(second.needEmbedding).toEqual([0]);
    // A new face appearing always wants one.
    const third = t.update([box(202, 0, 50, 50), box(2, 0, 50, 50), box(400, 400, 50, 50)]);
    expect(third.needEmbedding).toEqual([0, 2]);
  });

  it('vote returns the decided identity and it shows in visible()', () => {
    const t = new Tracker(opts({ voteWindow: 5 }));
    const [id] = t.update([box(0, 0, 60, 60)]).trackIds;
    expect(t.visible()[0]).toMatchObject({ id, state: 'pending', personId: null, name: null, score: null });
    const decided = t.vote(id!, A(0.93));
    expect(decided).toEqual({ state: 'recognized', personId: 'a', name: 'Alice', score: 0.93 });
    t.update([box(1, 0, 60, 60)]);
    expect(t.visible()[0]).toMatchObject({ id, state: 'recognized', personId: 'a', name: 'Alice', score: 0.93 });
  });

  it('labels do not flicker: window 5 with votes A, A, A, null stays A', () => {
    const t = new Tracker(opts({ voteWindow: 5 }));
    const [id] = t.update([box(0, 0, 60, 60)]).trackIds;
    const labels = [A(), A(), A(), U()].map((v) => t.vote(id!, v).personId);
    expect(labels).toEqual(['a', 'a', 'a', 'a']);
    // One more stray vote: A has 3 of 5, still a strict majority.
    expect(t.vote(id!, B()).personId).toBe('a');
  });

  it('a label changes only when the new identity has a strict majority of the window', () => {
    const t = new Tracker(opts({ voteWindow: 4 }));
    const [id] = t.update([box(0, 0, 60, 60)]).trackIds;
    for (const v of [A(), A(), A(), A()]) t.vote(id!, v);
    // Window slides: [A,A,A,B] -> A; [A,A,B,B] tie -> A holds; [A,B,B,B] -> B.
    expect(t.vote(id!, B()).personId).toBe('a');
    expect(t.vote(id!, B()).personId).toBe('a');
    expect(t.vote(id!, B()).personId).toBe('b');
  });

  it('a track that becomes unknown by majority reports state unknown', () => {
    const t = new Tracker(opts({ voteWindow: 3 }));
    const [id] = t.update([box(0, 0, 60, 60)]).trackIds;
    t.vote(id!, A());
    t.vote(id!, U());
    expect(t.vote(id!, U()).state).toBe('unknown');
  });

  it('vote for an unknown track id returns pending and changes nothing', () => {
    const t = new Tracker(opts());
    const [id] = t.update([box(0, 0, 60, 60)]).trackIds;
    expect(t.vote(id! + 100, A())).toEqual(PENDING);
    expect(t.visible()[0]!.state).toBe('pending');
  });

  // The gallery changed: votes are decided again from their evidence (the pipeline's kept embeddings; here a stand-in
  // the test's gallery answers for), and the identity follows at once, with no new embedding.
  const withEvidence = (v: Vote, face: string): Vote => ({ ...v, evidence: { face } });
  const gallery = (answers: Record<string, Vote>) => (v: Vote) => ({ ...answers[(v.evidence as { face: string }).face]!, evidence: v.evidence });

  it('revote: a deleted person is no longer named, a renamed one shows the new name, and no track wants an embedding', () => {
    const t = new Tracker(opts({ voteWindow: 3, reembedEvery: 0 }));
    const [a, b] = t.update([box(0, 0, 50, 50), box(200, 0, 50, 50)]).trackIds;
    for (let i = 0; i < 3; i++) {
      t.vote(a!, withEvidence(A(), 'left'));
      t.vote(b!, withEvidence(B(), 'right'));
    }
    // Alice deleted (her face now matches nobody), Bob renamed Robert.
    t.revote(gallery({ left: U(0.5), right: { personId: 'b', name: 'Robert', score: 0.95 } }));
    expect(t.visible().map((s) => [s.state, s.name])).toEqual([
      ['unknown', null],
      ['recognized', 'Robert'],
    ]);
    expect(t.update([box(0, 0, 50, 50), box(200, 0, 50, 50)]).needEmbedding).toEqual([]);
  });

  it('revote: an unknown face whose person was just enrolled is named from the votes already cast', () => {
    const t = new Tracker(opts({ voteWindow: 3, reembedEvery: 0 }));
    const [id] = t.update([box(0, 0, 50, 50)]).trackIds;
    for (let i = 0; i < 3; i++) t.vote(id!, withEvidence(U(0.3), 'face'));
    expect(t.visible()[0]!.state).toBe('unknown');
    t.revote(gallery({ face: A(0.93) }));
    expect(t.visible()[0]).toMatchObject({ state: 'recognized', personId: 'a', name: 'Alice' });
  });

  it('revote: a track whose votes cannot be decided again withholds its name and votes afresh, out of view too', () => {
    const t = new Tracker(opts({ voteWindow: 1, reembedEvery: 0, maxMisses: 2 }));
    const [id] = t.update([box(0, 0, 50, 50)]).trackIds;
    t.vote(id!, A());
    t.update([]);
    t.revote(() => null);
    const back = t.update([box(0, 0, 50, 50)]);
    expect(back.trackIds).toEqual([id]);
    expect(back.needEmbedding).toEqual([0]);
    expect(t.visible()[0]!.state).toBe('pending');
    expect(t.vote(id!, B(0.97))).toEqual({ state: 'recognized', personId: 'b', name: 'Bob', score: 0.97 });
  });
});

describe('Tracker.coast (frames between detections)', () => {
  const opts: TrackerOptions = { minIou: 0.3, maxMisses: 5, voteWindow: 2, reembedEvery: 0 };
  const vote: Vote = { personId: 'p1', name: 'Ada', score: 0.95 };

  it('moves a moving face along its track, counts nothing as missed, and the next detection continues the same id', () => {
    const t = new Tracker(opts);
    // A face moving right by 10 px every 100 ms.
    let id = 0;
    for (let i = 0; i < 6; i++) id = t.update([box(100 + 10 * i, 100, 80, 80)], { now: 1000 + 100 * i }).trackIds[0]!;
    const coasted = t.coast({ now: 1600 });
    expect(coasted).toHaveLength(1);
    expect(coasted[0]!.id).toBe(id);
    expect(coasted[0]!.box.x).toBeGreaterThan(150 + 3);
    const next = t.update([box(170, 100, 80, 80)], { now: 1700 });
    expect(next.trackIds).toEqual([id]);
  });

  it('does not show a named face whose predicted box has left the picture (it walked out between detections)', () => {
    const t = new Tracker(opts);
    const picture = { width: 640, height: 480 };
    // A named face walking out to the left at 60 px a frame of 67 ms, last detected at x = 10.
    let id = 0;
    for (let i = 0; i < 5; i++) {
      id = t.update([box(250 - 60 * i, 180, 100, 120)], { now: 67 * i }).trackIds[0]!;
      t.vote(id, vote);
    }
    // One frame on it is still mostly in the picture, and keeps its name...
    expect(t.coast({ now: 67 * 5, picture })).toMatchObject([{ id, name: 'Ada' }]);
    // ...two frames on, its predicted box is mostly outside: not shown, named or not. Without the picture's size it would be.
    expect(t.coast({ now: 67 * 6, picture })).toEqual([]);
    expect(t.coast({ now: 67 * 6 })).toMatchObject([{ id, name: 'Ada' }]);
  });

  it('retires tracks whose faces walked out of the picture, so they do not contest the next face to walk in', () => {
    // The cameras suite's two-face scene, as traced on a six-camera server (detections every other frame of 15 fps): two
    // people walk out, one to each side; 0.6 s later a third walks in from the left and stands.
    const FRAME = 1000 / 15;
    const run = (withPicture: boolean) => {
      const t = new Tracker({ minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 10 });
      const at = (frame: number) => ({ now: frame * FRAME, trusted: true, ...(withPicture ? { picture: { width: 640, height: 480 } } : {}) });
      const vote = (name: string): Vote => ({ personId: name, name, score: 0.95 });
      [113, 76, 1].forEach((x, i) => {
        const f = t.update([box(x, 180, 104, 124), box(430 + 40 * i, 180, 104, 124)], at(2 * i));
        f.needEmbedding.forEach((d) => t.vote(f.trackIds[d]!, vote(d === 0 ? 'Guido' : 'Joe')));
      });
      for (let k = 3; k < 8; k++) t.update([], at(2 * k));
      // Barack walks in; at each detection: is his name shown before that detection's embedding has voted?
      return [-13, 68, 105, 110, 112, 114].map((x, i) => {
        const f = t.update([box(x, 175, 122, 144)], at(16 + 2 * i));
        const before = t.visible()[0]!.name;
        f.needEmbedding.forEach((d) => t.vote(f.trackIds[d]!, vote('Barack')));
        return before;
      });
    };
    // Retired: from his third detection his name stays on while each check runs (and is needed less and less).
    expect(run(true)).toEqual([null, null, 'Barack', 'Barack', 'Barack', 'Barack']);
    // Kept for TRACK_MAX_MISS_MS: one stale track takes his detections and the other could have produced them, so every
    // detection withholds his name until its check has voted; on a busy server the check lands after the answer.
    expect(run(false)).toEqual([null, null, null, null, null, null]);
  });

  it('is settled only when every visible track has its votes and no check is due', () => {
    const t = new Tracker(opts);
    const { trackIds } = t.update([box(0, 0, 50, 50)], { now: 0 });
    expect(t.settled()).toBe(false);
    t.vote(trackIds[0]!, vote);
    t.update([box(0, 0, 50, 50)], { now: 100 });
    t.vote(trackIds[0]!, vote);
    expect(t.settled()).toBe(true);
    // A second face enters: not settled until it too has voted.
    t.update([box(0, 0, 50, 50), box(300, 0, 50, 50)], { now: 200 });
    expect(t.settled()).toBe(false);
  });
});

describe('Tracker.reject (a false detection)', () => {
  it('hides the track, and tries it again after a delay that doubles while the same box keeps matching it', () => {
    const t = new Tracker({ minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 0 });
    const window = box(400, 50, 60, 60);
    const first = t.update([window], { now: 0 });
    expect(first.needEmbedding).toEqual([0]);
    t.reject(first.trackIds[0]!);
    expect(t.visible()).toEqual([]);
    const asked: number[] = [];
    for (let now = 100; now <= 3000; now += 100) {
      const next = t.update([window], { now });
      expect(next.trackIds).toEqual(first.trackIds);
      if (next.needEmbedding.length > 0) {
        asked.push(now);
        t.reject(first.trackIds[0]!); // still no face there
      }
      expect(t.visible()).toEqual([]);
    }
    // 250 ms, then 500, 1000, 2000 ms after each rejection: a poster costs an embedding every 2 s at most.
    expect(asked).toEqual([300, 800, 1800]);
    expect(t.coast({ now: 3050 })).toEqual([]);
  });

  /** A track whose box the mesh rejected at 0 ms and again at 300 ms (`a`, then `b`): its retry delay is now 500 ms. */
  const rejectedTwice = (a: Box, b: Box) => {
    const t = new Tracker({ minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 0 });
    const first = t.update([a], { now: 0 });
    t.reject(first.trackIds[0]!);
    t.update([b], { now: 300 });
    t.reject(first.trackIds[0]!);
    return { t, first };
  };

  it('finds a face that slides into view: a moved box is tried again soon, and shown once the mesh confirms it', () => {
    // Half a face at the picture's edge: the mesh finds none, twice, so the retry delay has grown to 500 ms.
    const { t, first } = rejectedTwice(box(0, 100, 40, 80), box(0, 100, 42, 80));
    // It slides in, whole: its box is twice as wide as the rejected half, so it is checked on this very frame.
    const retry = t.update([box(10, 100, 80, 80)], { now: 400 });
    expect(retry.needEmbedding).toEqual([0]);
    t.meshConfirmed(retry.trackIds[0]!);
    t.vote(retry.trackIds[0]!, { personId: 'p', name: 'Pat', score: 0.9, bestPersonId: 'p' });
    expect(t.visible()).toMatchObject([{ id: first.trackIds[0], name: 'Pat', state: 'recognized' }]);
  });

  it('tries a rejected box that moved but kept its size again at the first delay, not at once', () => {
    // A false detection that wanders (a hand, a pattern on a shirt): rejected twice, so its delay has grown to 500 ms.
    const { t } = rejectedTwice(box(100, 100, 60, 60), box(102, 100, 60, 60));
    // It moves by most of its width at the same size: tried again 250 ms after the last rejection, not 500, nor at once.
    expect(t.update([box(140, 100, 62, 62)], { now: 400 }).needEmbedding).toEqual([]);
    expect(t.update([box(150, 100, 62, 62)], { now: 550 }).needEmbedding).toEqual([0]);
    expect(t.visible()).toEqual([]);
  });

  it('checks a tentative half-face the mesh rejected again at once when the whole face follows it', () => {
    const t = new Tracker({ minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 0 });
    // A face walking in from the right: first a narrow, unsure box of its visible part (as tall as the face), which the
    // mesh rejects...
    const first = t.update([box(544, 176, 47, 118)], { now: 0, tentative: [true] });
    t.reject(first.trackIds[0]!);
    // ...then, one frame later, the whole face where it was: the same track, checked now rather than 250 ms later.
    const whole = t.update([box(515, 175, 103, 122)], { now: 67 });
    expect(whole.trackIds).toEqual(first.trackIds);
    expect(whole.needEmbedding).toEqual([0]);
  });

  it('hides a track a tentative detection starts until the mesh confirms it, and asks for that check at once', () => {
    const t = new Tracker({ minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 0 });
    // A small face beside a larger one: BlazeFace is sure of the large one, unsure of the small one.
    const first = t.update([box(400, 150, 120, 140), box(120, 200, 80, 90)], { now: 0, tentative: [false, true] });
    expect(first.needEmbedding).toEqual([0, 1]);
    const [large, small] = first.trackIds as [number, number];
    expect(t.visible().map((v) => v.id)).toEqual([large]);
    expect(t.settled()).toBe(false);
    t.meshConfirmed(small);
    expect(t.visible().map((v) => v.id)).toEqual([large, small]);
    t.vote(small, { personId: 'h', name: 'Howard', score: 0.9, bestPersonId: 'h' });
    // Later detections of it, sure or not, continue the shown track.
    const next = t.update([box(402, 150, 120, 140), box(121, 200, 80, 90)], { now: 100, tentative: [false, true] });
    expect(next.trackIds).toEqual([large, small]);
    expect(t.visible().map((v) => v.id)).toEqual([large, small]);
  });

  it('keeps a tentative detection the mesh rejects hidden, checked again only on the rejection schedule', () => {
    const t = new Tracker({ minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 0 });
    const first = t.update([box(300, 100, 60, 60)], { now: 0, tentative: [true] });
    expect(first.needEmbedding).toEqual([0]);
    t.reject(first.trackIds[0]!);
    expect(t.update([box(300, 100, 60, 60)], { now: 100, tentative: [true] }).needEmbedding).toEqual([]);
    expect(t.visible()).toEqual([]);
    expect(t.coast({ now: 150 })).toEqual([]);
    // The first rejection's retry: 250 ms later, as for a sure detection the mesh rejected.
    expect(t.update([box(300, 100, 60, 60)], { now: 250, tentative: [true] }).needEmbedding).toEqual([0]);
  });
});
