// ArcFace 5-point alignment: the five points from 68 landmarks, the fit onto the 112x112 template, the warp, and the
// crop made from a stored dlib chip.
import { describe, expect, it } from 'vitest';
import { applyAffine, chipToImageTransform, meanFaceLandmark, warpToChip, type Affine, type Point, type RgbImage } from '../../src/server/vision/align.js';
import { ARCFACE_TEMPLATE, arcfaceToChipTransform, arcfaceToImageTransform, fivePoints } from '../../src/server/vision/align-arcface.js';

// insightface's arcface_dst, typed in again so the test does not read the values it checks from the module.
const ARCFACE_DST = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

const similarity = (theta: number, s: number, tx: number, ty: number): Affine => [
  s * Math.cos(theta),
  -s * Math.sin(theta),
  tx,
  s * Math.sin(theta),
  s * Math.cos(theta),
  ty,
];

/** 68 landmarks whose five ArcFace points are `five` (each eye's six points spread around its centre). */
function landmarksWithFive(five: Point[]): Point[] {
  const lm: Point[] = Array.from({ length: 68 }, () => ({ x: 0, y: 0 }));
  const ring = (c: Point, from: number) =>
    [-2, -1, 1, 2, 1, -1].forEach((d, k) => (lm[from + k] = { x: c.x + d, y: c.y + (k < 3 ? -1 : 1) * Math.abs(d) * 0.3 }));
  ring(five[0]!, 36);
  ring(five[1]!, 42);
  lm[30] = five[2]!;
  lm[48] = five[3]!;
  lm[54] = five[4]!;
  return lm;
}

describe('ArcFace alignment', () => {
  it('uses the standard template', () => {
    expect(ARCFACE_TEMPLATE.map((p) => [p.x, p.y])).toEqual(ARCFACE_DST);
  });

  it('takes eye centres, nose tip and mouth corners from the 68 landmarks', () => {
    const five = [
      { x: 10, y: 20 },
      { x: 30, y: 21 },
      { x: 20, y: 30 },
      { x: 12, y: 40 },
      { x: 28, y: 41 },
    ];
    const got = fivePoints(landmarksWithFive(five));
    got.forEach((p, i) => {
      expect(p.x).toBeCloseTo(five[i]!.x, 9);
      expect(p.y).toBeCloseTo(five[i]!.y, 9);
    });
    expect(() => fivePoints(five)).toThrow(/68 landmarks/);
  });

  it('recovers a rotated, scaled, shifted face exactly and maps its points onto the template', () => {
    const truth = similarity(0.3, 2.5, 140, -20);
    const lm = landmarksWithFive(ARCFACE_TEMPLATE.map((p) => applyAffine(truth, p)));
    const m = arcfaceToImageTransform(lm);
    m.forEach((v, i) => expect(v).toBeCloseTo(truth[i]!, 6));
    // A 224 crop has the same geometry at twice the scale.
    const m2 = arcfaceToImageTransform(lm, 224);
    expect(applyAffine(m2, { x: 2 * ARCFACE_DST[2]![0]!, y: 2 * ARCFACE_DST[2]![1]! }).x).toBeCloseTo(applyAffine(truth, ARCFACE_TEMPLATE[2]!).x, 6);
  });

  it('warps so that a marked eye lands on its template pixel', () => {
    const width = 400,
      height = 300;
    const data = new Uint8Array(width * height * 3);
    const truth = similarity(-0.2, 2, 120, 60);
    const five = ARCFACE_TEMPLATE.map((p) => applyAffine(truth, p));
    // A bright 5x5 square around the image-left eye.
    const e = five[0]!;
    for (let y = Math.round(e.y) - 2; y <= Math.round(e.y) + 2; y++)
      for (let x = Math.round(e.x) - 2; x <= Math.round(e.x) + 2; x++) data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
    const image: RgbImage = { data, width, height };
    const crop = warpToChip(image, arcfaceToImageTransform(landmarksWithFive(five)), 112);
    const at = (x: number, y: number) => crop[(y * 112 + x) * 3]!;
    expect(at(38, 52)).toBeGreaterThan(200);
    expect(at(73, 52)).toBe(0);
    expect(at(56, 72)).toBe(0);
  });

  it('makes the crop of a stored dlib chip from where the mean face puts the five points', () => {
    const m = arcfaceToChipTransform(150, 0.25);
    // The template's eyes fall on the mean face's eye centres in the chip (dlib mean face: ~(47.5, 46.6) and ~(100.5, 46.6)
    // in a padding-0.25 150 chip); the nose tip lies between them, below.
    const left = applyAffine(m, ARCFACE_TEMPLATE[0]!),
      right = applyAffine(m, ARCFACE_TEMPLATE[1]!),
      nose = applyAffine(m, ARCFACE_TEMPLATE[2]!);
    expect(Math.hypot(left.x - 47.5, left.y - 46.6)).toBeLessThan(1.5);
    expect(Math.hypot(right.x - 100.5, right.y - 46.6)).toBeLessThan(1.5);
    expect(Math.abs(left.y - right.y)).toBeLessThan(2);
    expect(nose.x).toBeGreaterThan(left.x);
    expect(nose.x).toBeLessThan(right.x);
    expect(nose.y).toBeGreaterThan(left.y + 10);
    // A chip made from a face's landmarks, then its ArcFace crop, equals (to a pixel or so) the crop made directly:
    // the chip-based route composes the two similarity warps.
    const truth = similarity(0.1, 1.8, 50, 40);
    const meanFace = Array.from({ length: 68 }, (_, i) => (i < 17 ? { x: 75, y: 75 } : meanFaceLandmark(i, 150, 0.25)));
    const lm = meanFace.map((p) => applyAffine(truth, p));
    const chipToImage = chipToImageTransform(lm, 150, 0.25);
    const direct = arcfaceToImageTransform(lm);
    for (const p of ARCFACE_TEMPLATE) {
      const viaChip = applyAffine(chipToImage, applyAffine(m, p)),
        straight = applyAffine(direct, p);
      expect(Math.hypot(viaChip.x - straight.x, viaChip.y - straight.y)).toBeLessThan(1);
    }
  });
});
