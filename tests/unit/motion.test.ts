// The picture signature that lets an empty camera skip detection (vision/motion.ts): camera noise and re-encoding are
// no change, a small face coming in at the edge is.
import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../../src/server/vision/align.js';
import { MOTION_GRID, motionSignature, unchanged } from '../../src/server/vision/motion.js';

const fixture = (rel: string) => fs.readFileSync(path.join(import.meta.dirname, '../fixtures/faces', rel));
/** An empty room stand-in: a photo blurred past recognition, 640x480, textured. */
const room = () => sharp(fixture('Guido_van_Rossum/3.jpg')).resize(640, 480, { fit: 'fill' }).blur(25);
const rgb = async (s: Sharp): Promise<RgbImage> => {
  const { data, info } = await s.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
};

/** Deterministic per-pixel noise of +-amp levels (a sensor's). */
function noisy(image: RgbImage, amp: number): RgbImage {
  let x = 12345;
  const data = image.data.map((v) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return Math.max(0, Math.min(255, v + ((x % (2 * amp + 1)) - amp)));
  });
  return { ...image, data };
}

describe('motion signature', () => {
  it('one cell per grid square', async () => {
    expect(motionSignature(await rgb(room())).length).toBe(MOTION_GRID.cols * MOTION_GRID.rows);
  });

  it('sensor noise (+-8 levels a pixel) and JPEG re-encoding at quality 60 are no change', async () => {
    const base = await rgb(room());
    const sig = motionSignature(base);
    expect(unchanged(sig, motionSignature(noisy(base, 8)))).toBe(true);
    const reencoded = await rgb(sharp(Buffer.from(base.data), { raw: { width: 640, height: 480, channels: 3 } }).jpeg({ quality: 60 }));
    expect(unchanged(sig, motionSignature(reencoded))).toBe(true);
  });

  for (const [where, left, top] of [
    ['at the left edge', 0, 200],
    ['in a corner', 608, 448],
    ['in the middle', 300, 220],
  ] as const)
    it(`a 32 px face ${where} is a change`, async () => {
      const base = room();
      const face = await sharp(fixture('Barack_Obama/1.jpg')).resize(32, 32).toBuffer();
      const before = motionSignature(await rgb(base.clone()));
      const after = motionSignature(noisy(await rgb(base.clone().composite([{ input: face, left, top }])), 3));
      expect(unchanged(before, after)).toBe(false);
    });

  it('signatures of different lengths are never unchanged', () => {
    expect(unchanged(new Uint8Array(1200), new Uint8Array(1199))).toBe(false);
  });
});
