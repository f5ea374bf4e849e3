// The presentation-attack cues of train/ (issue 17): what each image cue responds to, and the leave-one-video-out
// measurements that decide whether a cue helps (learnt on the other videos, never on the one judged).
import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../../src/server/vision/align.js';
import {
  cueHeldOut,
  cueTracksHeldOut,
  frameCues,
  learnFlag,
  withScoreSpread,
  type CueTrackVideo,
  type CueVideo,
  type FrameCues,
} from '../../train/lib/liveness-cues.js';
import { recoverRunHeldOut, type TrackObs } from '../../train/lib/liveness-metrics.js';

const W = 320,
  H = 240;
const BOX = { x: 130, y: 90, width: 60, height: 60 };

/** A mid-gray scene with a textured "face" in BOX; `bezel` draws a dark rectangle outline around it (a held phone). */
function scene(opts: { bezel?: boolean; blur?: boolean; glare?: boolean } = {}): RgbImage {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let v = 120 + ((x * 7 + y * 3) % 11);
      const inFace = x >= BOX.x && x < BOX.x + BOX.width && y >= BOX.y && y < BOX.y + BOX.height;
      if (inFace) v = opts.blur ? 150 : (x + y) % 2 ? 200 : 100; // fine detail, or none
      if (opts.bezel && (((x === 90 || x === 230) && y >= 40 && y <= 200) || ((y === 40 || y === 200) && x >= 90 && x <= 230))) v = 10;
      const i = (y * W + x) * 3;
      data[i] = data[i + 1] = data[i + 2] = v;
      if (opts.glare && x > 200 && x < 230 && y > 60 && y < 100) data[i] = data[i + 1] = data[i + 2] = 255;
    }
  return { data, width: W, height: H };
}

describe('frameCues', () => {
  it('responds to a straight border around the face, to glare, and to the loss of fine detail', () => {
    const plain = frameCues(scene(), BOX, 0);
    expect(frameCues(scene({ bezel: true }), BOX, 0).border).toBeGreaterThan(plain.border + 20);
    expect(frameCues(scene({ glare: true }), BOX, 0).glare).toBeGreaterThan(plain.glare);
    expect(frameCues(scene({ blur: true }), BOX, 0).detail).toBeLessThan(plain.detail / 10);
    expect(frameCues(scene(), BOX, 2).otherFaces).toBe(2);
  });

  it("takes the score spread over a track's own recent frames, skipping frames without a face", () => {
    const cues = (): FrameCues => ({ otherFaces: 0, border: 0, glare: 0, chroma: 0, detail: 0, scoreSpread: Number.NaN });
    const frames = [{ real: 1, cues: cues() }, null, { real: 0, cues: cues() }, { real: 0, cues: cues() }, { real: 0, cues: cues() }];
    withScoreSpread(frames, 3);
    expect(frames.map((f) => f?.cues.scoreSpread)).toEqual([0, undefined, 0.5, expect.closeTo(Math.SQRT2 / 3, 9), 0]);
  });
});

const cueFrames = (values: number[], real: number) =>
  values.map((v) => ({ real, cues: { otherFaces: 0, border: v, glare: 0, chroma: 0, detail: 0, scoreSpread: 0 } }));

describe('leave-one-video-out', () => {
  it('learns a flag that flags about the given share of real frames, in the direction the attacks lie', () => {
    const train: CueVideo[] = [
      { name: 'a', attack: true, frames: cueFrames([50, 60, 70], 0.9) },
      {
        name: 'r',
        attack: false,
        frames: cueFrames(
          Array.from({ length: 100 }, (_, i) => i / 10),
          0.9,
        ),
      },
    ];
    const flag = learnFlag(train, 'border', 0.01);
    expect(flag(9.95)).toBe(true);
    expect(flag(9.85)).toBe(false);
    const low = learnFlag([{ ...train[0]!, frames: cueFrames([-5], 0.9) }, train[1]!], 'border', 0.01);
    expect(low(-1)).toBe(true);
    expect(low(5)).toBe(false);
  });

  it('judges each video by a flag learnt without it: a cue that separates lowers APCER, one seen only in the held-out video does not', () => {
    const videos: CueVideo[] = [
      { name: 'a1', attack: true, frames: cueFrames([40, 45, 50], 0.9) },
      { name: 'a2', attack: true, frames: cueFrames([42, 44, 48], 0.9) },
      { name: 'r1', attack: false, frames: cueFrames([1, 2, 3], 0.9) },
      { name: 'r2', attack: false, frames: cueFrames([2, 3, 4], 0.9) },
    ];
    const h = cueHeldOut(videos, 'border', 0.7);
    expect(h.apcerAlone).toMatchObject({ errors: 6, n: 6 });
    expect(h.apcerWithCue.errors).toBe(0);
    // Each real video's largest value is above the other's 99th percentile only for r2 (4 > 3): one frame flagged.
    expect(h.bpcerWithCue).toMatchObject({ errors: 1, n: 6 });
    // Only one attack video has the cue: held out, nothing else teaches its direction, and it is not caught.
    const lone = cueHeldOut([{ ...videos[0]! }, { ...videos[1]!, frames: cueFrames([1, 2, 3], 0.9) }, videos[2]!, videos[3]!], 'border', 0.7);
    expect(lone.apcerWithCue.errors).toBeGreaterThan(0);
  });

  it('runs a cue inside the evidence rule on held-out tracks', () => {
    const obs = (real: number, border: number) => ({ real, keypoints: [], cues: { otherFaces: 0, border, glare: 0, chroma: 0, detail: 0, scoreSpread: 0 } });
    const vid = (name: string, kind: string, border: number): CueTrackVideo => ({
      name,
      kind,
      fps: 10,
      windows: [Array.from({ length: 10 }, () => obs(0.9, border))],
    });
    const cfg = { minReal: 0.7, realRun: 3, attackRun: 2, recoverRun: 10, refuseRun: 2, refuseBelow: 0.7, maxSpread: 1, spreadWindow: 15, refusalFinal: false };
    const r = cueTracksHeldOut(
      [vid('a1', 'phone replay', 50), vid('a2', 'phone replay', 60), vid('r1', 'bona-fide', 1), vid('r2', 'bona-fide', 1)],
      'border',
      cfg,
    );
    expect(r.alone.attacksAccepted).toMatchObject({ errors: 2, n: 2 });
    expect(r.withCue.attacksAccepted.errors).toBe(0);
    expect(r.withCue.realRefused.errors).toBe(0);
  });

  it('chooses the recovery run without the held-out video, and never at the cost of the real tracks', () => {
    const t = (kind: string, reals: number[]): TrackObs => ({ source: kind, kind, fps: 10, frames: reals.map((real) => ({ real, keypoints: [] })) });
    // An attack that is refused, then scores real for 20 frames: a recovery run of 10 lets it through, 30 does not.
    const attack = [0.1, 0.1, ...Array.from({ length: 20 }, () => 0.9)];
    const videos = [
      { name: 'a1', tracks: [t('phone replay', attack)] },
      { name: 'a2', tracks: [t('phone replay', attack)] },
      {
        name: 'r1',
        tracks: [
          t(
            'bona-fide',
            Array.from({ length: 20 }, () => 0.9),
          ),
        ],
      },
    ];
    const cfg = { minReal: 0.7, realRun: 3, attackRun: 2, recoverRun: 10, refuseRun: 2, refuseBelow: 0.7, maxSpread: 1, spreadWindow: 15, refusalFinal: false };
    const r = recoverRunHeldOut(videos, cfg, [10, 30]);
    expect(r.picks.map((p) => p.recoverRun)).toEqual([30, 30, 30]);
    expect(r.base.attacksAccepted).toMatchObject({ errors: 2, n: 2 });
    expect(r.heldOut.attacksAccepted.errors).toBe(0);
    expect(r.heldOut.realRefused.errors).toBe(0);
  });
});
