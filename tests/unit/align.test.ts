// Face alignment: similarity fit, dlib face-chip transform and the bilinear warp.
import { describe, expect, it } from 'vitest';
import { applyAffine, chipToImageTransform, fitSimilarity, warpToChip, type Affine, type Point, type RgbImage } from '../../src/server/vision/align.js';

/** Similarity with rotation `theta`, scale `s`, translation (tx, ty), in the module's [a, b, tx, c, d, ty] layout. */
function similarity(theta: number, s: number, tx: number, ty: number): Affine {
  const c = s * Math.cos(theta);
  const n = s * Math.sin(theta);
  return [c, -n, tx, n, c, ty];
}

function expectAffineClose(actual: Affine, expected: Affine, tol = 1e-9) {
  expect(actual).toHaveLength(6);
  for (let i = 0; i < 6; i++) expect(Math.abs(actual[i]! - expected[i]!), `entry ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThan(tol);
}

// dlib's mean face (landmarks 17..67 of the 68-point model, unit square), as in dlib/image_transforms/interpolation.h
// (checked value for value against dlib's source). Kept here so the test does not read the values it checks from the module.
const DLIB_MEAN_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688,
  0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335,
  0.254149, 0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127,
  0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const DLIB_MEAN_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
  0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077,
  0.245099, 0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746,
  0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182,
];

/** Where dlib's get_face_chip_details puts landmark i (17..67) in a size x size chip with the given padding. */
function templatePoint(i: number, size: number, padding: number): Point {
  return {
    x: ((padding + DLIB_MEAN_X[i - 17]!) / (2 * padding + 1)) * size,
    y: ((padding + DLIB_MEAN_Y[i - 17]!) / (2 * padding + 1)) * size,
  };
}

/** 68 landmarks of a face whose chip-to-image transform is `m`; points 0..26 are junk the fit must ignore. */
function landmarksFor(m: Affine, size = 150, padding = 0.25, junk = (i: number): Point => ({ x: 1000 + i * 37, y: -500 - i * 11 })): Point[] {
  return Array.from({ length: 68 }, (_, i) => (i >= 27 ? applyAffine(m, templatePoint(i, size, padding)) : junk(i)));
}

describe('applyAffine', () => {
  it('applies [a, b, tx, c, d, ty] as (a x + b y + tx, c x + d y + ty)', () => {
    // (2*3 + 3*5 + 7, 11*3 + 13*5 + 17) = (28, 115)
    expect(applyAffine([2, 3, 7, 11, 13, 17], { x: 3, y: 5 })).toEqual({ x: 28, y: 115 });
  });

  it('the identity leaves points alone', () => {
    expect(applyAffine([1, 0, 0, 0, 1, 0], { x: -4.5, y: 9.25 })).toEqual({ x: -4.5, y: 9.25 });
  });

  it('a 90 degree rotation maps (1, 0) to (0, 1)', () => {
    const p = applyAffine(similarity(Math.PI / 2, 1, 0, 0), { x: 1, y: 0 });
    expect(p.x).toBeCloseTo(0, 12);
    expect(p.y).toBeCloseTo(1, 12);
  });
});

describe('fitSimilarity', () => {
  const from: Point[] = [
    { x: 0, y: 0 },
    { x: 10, y: 0 },
    { x: 3, y: 7 },
    { x: -4, y: 12 },
    { x: 8, y: -6 },
  ];

  it.each([
    ['rotation 30 deg, scale 2.5, translation (12, -7)', similarity(Math.PI / 6, 2.5, 12, -7)],
    ['rotation -100 deg, scale 0.4, translation (-3.5, 250)', similarity((-100 * Math.PI) / 180, 0.4, -3.5, 250)],
    ['identity', [1, 0, 0, 0, 1, 0] as Affine],
    ['pure translation', [1, 0, 40, 0, 1, -2] as Affine],
  ])('recovers %s exactly', (_label, m) => {
    const to = from.map((p) => applyAffine(m, p));
    expectAffineClose(fitSimilarity(from, to), m);
  });

  it('works from exactly two points', () => {
    const m = similarity(1.1, 3, -5, 8);
    const two = from.slice(0, 2);
    expectAffineClose(
      fitSimilarity(
        two,
        two.map((p) => applyAffine(m, p)),
      ),
      m,
    );
  });

  it('is a least-squares fit when no similarity matches exactly', () => {
    // Square corners around the origin mapped by the anisotropic x*3, y*1.
    // Best similarity: a = sum(u.v) / sum|u|^2 = (4 * 4) / 8 = 2; b = sum(u.x*v.y - u.y*v.x) / 8 = (-2 + 2 - 2 + 2) / 8 = 0.
    const sq: Point[] = [
      { x: 1, y: 1 },
      { x: -1, y: 1 },
      { x: -1, y: -1 },
      { x: 1, y: -1 },
    ];
    const stretched = sq.map((p) => ({ x: 3 * p.x + 5, y: p.y - 1 }));
    expectAffineClose(fitSimilarity(sq, stretched), [2, 0, 5, 0, 2, -1]);
  });

  it('refuses too few or mismatched points', () => {
    expect(() => fitSimilarity([{ x: 0, y: 0 }], [{ x: 1, y: 1 }])).toThrow();
    expect(() => fitSimilarity(from, from.slice(1))).toThrow();
  });
});

describe('chipToImageTransform', () => {
  it('gives back the similarity that placed the mean face in the image', () => {
    // Chip 150 px, padding 0.25: a face rotated 12 deg, 1.7x as big, its chip origin at (220, 95).
    const m = similarity((12 * Math.PI) / 180, 1.7, 220, 95);
    expectAffineClose(chipToImageTransform(landmarksFor(m)), m);
  });

  it('ignores jaw and eyebrows (0..26) and the lower lip (55..59, 65..67)', () => {
    const m = similarity(-0.3, 0.8, 40, 60);
    const pts = landmarksFor(m, 150, 0.25, (i) => ({ x: i * 1e4, y: -i * 1e4 }));
    for (const i of [55, 56, 57, 58, 59, 65, 66, 67]) pts[i] = { x: 1e6 + i, y: 2e6 - i };
    expectAffineClose(chipToImageTransform(pts), m);
  });

  it('uses the points 27..54 and 60..64: moving one of them changes the fit', () => {
    const m = similarity(0, 1, 0, 0);
    const pts = landmarksFor(m);
    pts[30] = { x: pts[30]!.x + 40, y: pts[30]!.y };
    expect(Math.abs(chipToImageTransform(pts)[2] - m[2])).toBeGreaterThan(0.1);
  });

  it('honours size and padding', () => {
    const m = similarity(0.5, 2, -10, 30);
    expectAffineClose(chipToImageTransform(landmarksFor(m, 112, 0.4), 112, 0.4), m);
    // The same landmarks read with the default chip (150, 0.25) give a different transform.
    const other = chipToImageTransform(landmarksFor(m, 112, 0.4));
    expect(Math.abs(other[0] - m[0]) + Math.abs(other[2] - m[2])).toBeGreaterThan(0.01);
  });

  it('maps the template eye corners onto the image eye corners', () => {
    const m = similarity(0.2, 1.3, 100, 50);
    const pts = landmarksFor(m);
    const fit = chipToImageTransform(pts);
    for (const i of [36, 39, 42, 45]) {
      const p = applyAffine(fit, templatePoint(i, 150, 0.25));
      expect(p.x).toBeCloseTo(pts[i]!.x, 8);
      expect(p.y).toBeCloseTo(pts[i]!.y, 8);
    }
  });

  it('requires exactly 68 landmarks', () => {
    expect(() => chipToImageTransform(landmarksFor(similarity(0, 1, 0, 0)).slice(0, 67))).toThrow(/68/);
  });
});

/** A width x height image whose pixel (x, y) is (x * 10 + 1, y * 10 + 2, x + y * width): every pixel distinct. */
function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = x * 10 + 1;
      data[o + 1] = y * 10 + 2;
      data[o + 2] = x + y * width;
    }
  }
  return { data, width, height };
}

function pixel(buf: Uint8Array, width: number, x: number, y: number): [number, number, number] {
  const o = (y * width + x) * 3;
  return [buf[o]!, buf[o + 1]!, buf[o + 2]!];
}

const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

describe('warpToChip', () => {
  it('with the identity transform copies pixels', () => {
    const img = gradient(6, 6);
    const out = warpToChip(img, IDENTITY, 6);
    expect(out).toHaveLength(6 * 6 * 3);
    expect(Array.from(out)).toEqual(Array.from(img.data));
  });

  it('with the identity transform and a smaller chip copies the top-left corner', () => {
    const img = gradient(7, 5);
    const out = warpToChip(img, IDENTITY, 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expect(pixel(out, 4, x, y)).toEqual(pixel(img.data, 7, x, y));
  });

  it('with mirror=true flips horizontally', () => {
    const img = gradient(5, 5);
    const out = warpToChip(img, IDENTITY, 5, true);
    for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) expect(pixel(out, 5, x, y)).toEqual(pixel(img.data, 5, 4 - x, y));
  });

  it('mirror of a translated chip flips within the chip', () => {
    const img = gradient(8, 8);
    const out = warpToChip(img, [1, 0, 2, 0, 1, 3], 4, true);
    // Chip pixel (u, v) mirrored reads image (2 + 3 - u, 3 + v).
    for (let v = 0; v < 4; v++) for (let u = 0; u < 4; u++) expect(pixel(out, 4, u, v)).toEqual(pixel(img.data, 8, 5 - u, 3 + v));
  });

  it('fills points outside the image with black, as dlib and InsightFace crops are filled', () => {
    const img = gradient(4, 3);
    // Shifted left and up by 10: u, v < 4 so every sample lands at x, y <= -7, outside the picture.
    const topLeft = warpToChip(img, [1, 0, -10, 0, 1, -10], 4);
    expect(Array.from(topLeft).every((v) => v === 0)).toBe(true);
    // Shifted far right and down: all outside too.
    const bottomRight = warpToChip(img, [1, 0, 100, 0, 1, 100], 3);
    expect(Array.from(bottomRight).every((v) => v === 0)).toBe(true);
    // Only x outside: black as well, whatever the row.
    const left = warpToChip(img, [1, 0, -50, 0, 1, 0], 3);
    expect(Array.from(left).every((v) => v === 0)).toBe(true);
  });

  it('a chip larger than the image is black where the image ends, and within half a pixel uses the edge', () => {
    const img = gradient(2, 2);
    const out = warpToChip(img, IDENTITY, 4);
    // Pixels 0..1 are the image; 2 and 3 lie 1 and 2 px past its last pixel.
    expect(pixel(out, 4, 1, 1)).toEqual(pixel(img.data, 2, 1, 1));
    expect(pixel(out, 4, 2, 0)).toEqual([0, 0, 0]);
    expect(pixel(out, 4, 0, 3)).toEqual([0, 0, 0]);
    expect(pixel(out, 4, 3, 3)).toEqual([0, 0, 0]);
    // A quarter pixel past the right edge still samples the edge pixel (bilinear support, not a black seam).
    expect(pixel(warpToChip(img, [1, 0, 0.25, 0, 1, 0], 2), 2, 1, 0)).toEqual(pixel(img.data, 2, 1, 0));
  });

  it('interpolates bilinearly between pixels and rounds', () => {
    // 2x1 image: left (10, 0, 100), right (21, 255, 200).
    const img: RgbImage = { data: new Uint8Array([10, 0, 100, 21, 255, 200]), width: 2, height: 1 };
    // Half-pixel shift: (10+21)/2 = 15.5 -> 16, (0+255)/2 = 127.5 -> 128, (100+200)/2 = 150.
    expect(Array.from(warpToChip(img, [1, 0, 0.5, 0, 1, 0], 1))).toEqual([16, 128, 150]);
    // Quarter shift: 10*0.75 + 21*0.25 = 12.75 -> 13; 255*0.25 = 63.75 -> 64; 100*0.75 + 200*0.25 = 125.
    expect(Array.from(warpToChip(img, [1, 0, 0.25, 0, 1, 0], 1))).toEqual([13, 64, 125]);
  });

  it('interpolates in both directions', () => {
    // 2x2 single-channel-ish image: R = 0, 100 / 200, 40 ; sampling the centre gives (0 + 100 + 200 + 40) / 4 = 85.
    const img: RgbImage = { data: new Uint8Array([0, 0, 0, 100, 0, 0, 200, 0, 0, 40, 0, 0]), width: 2, height: 2 };
    expect(warpToChip(img, [1, 0, 0.5, 0, 1, 0.5], 1)[0]).toBe(85);
  });

  it('scales: a 2x chip-to-image transform samples every other pixel', () => {
    const img = gradient(8, 8);
    const out = warpToChip(img, [2, 0, 0, 0, 2, 0], 4);
    for (let v = 0; v < 4; v++) for (let u = 0; u < 4; u++) expect(pixel(out, 4, u, v)).toEqual(pixel(img.data, 8, 2 * u, 2 * v));
  });
});
