// A camera frame's JPEG is decoded by libjpeg-turbo straight (decode.ts decodePlainJpeg), everything else by sharp. The
// fast path must give the picture sharp gives (to a level or so of rounding), must leave stills to sharp (the accuracy
// figures were measured on its pixels), and every other image and every error too: an EXIF-turned photo upright, a
// CMYK JPEG in RGB, a cut-off file refused with its sentence.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, decodePlainJpeg, IMAGE_DECODER } from '../../src/server/vision/decode.js';

const photo = fs.readFileSync(path.join(import.meta.dirname, '../fixtures/faces/Barack_Obama/1.jpg'));
const frame = () => sharp(photo).resize(640, 480, { fit: 'contain', background: '#000' }).jpeg({ quality: 80 }).toBuffer();
const LIMIT = 40_000_000;
const FRAME = { cameraFrame: true };

describe('JPEG decoding through libjpeg-turbo', () => {
  it('is the decoder in use (an optional dependency the server reports in /health)', () => {
    expect(IMAGE_DECODER).toMatch(/^image decoder: libjpeg-turbo/);
  });

  it("a plain camera JPEG: libjpeg-turbo's pixels, within 3 levels of sharp's (mean under 1.5)", async () => {
    const bytes = new Uint8Array(await frame());
    const meta = await sharp(bytes).metadata();
    const fast = decodePlainJpeg(bytes, meta);
    expect(fast).not.toBeNull();
    const decoded = await decodeImage(bytes, LIMIT, FRAME);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok || !fast) return;
    expect(Buffer.from(decoded.image.data).equals(Buffer.from(fast.data))).toBe(true);
    const ref = await sharp(bytes).raw().toBuffer();
    expect([decoded.image.width, decoded.image.height, decoded.image.data.length]).toEqual([640, 480, ref.length]);
    let sum = 0,
      max = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(ref[i]! - decoded.image.data[i]!);
      sum += d;
      max = Math.max(max, d);
    }
    expect(max).toBeLessThanOrEqual(7);
    expect(sum / ref.length).toBeLessThan(1.5);
  });

  it("a still (no cameraFrame) keeps sharp's pixels exactly", async () => {
    const bytes = new Uint8Array(await frame());
    const still = await decodeImage(bytes, LIMIT);
    expect(still.ok && Buffer.from(still.image.data).equals(await sharp(bytes).raw().toBuffer())).toBe(true);
  });

  it('a greyscale JPEG comes out as RGB with three equal channels', async () => {
    const bytes = new Uint8Array(await sharp(photo).greyscale().toColourspace('b-w').jpeg().toBuffer());
    const decoded = await decodeImage(bytes, LIMIT, FRAME);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const { data, width, height } = decoded.image;
    expect(data.length).toBe(width * height * 3);
    for (let i = 0; i < data.length; i += 997 * 3) expect([data[i + 1], data[i + 2]]).toEqual([data[i], data[i]]);
  });

  it('a CMYK JPEG and an EXIF-turned one are left to sharp, and still decode', async () => {
    const cmyk = new Uint8Array(await sharp(photo).toColourspace('cmyk').jpeg().toBuffer());
    expect(decodePlainJpeg(cmyk, await sharp(cmyk).metadata())).toBeNull();
    const c = await decodeImage(cmyk, LIMIT, FRAME);
    expect(c.ok && c.image.data.length === c.image.width * c.image.height * 3).toBe(true);
    const turned = new Uint8Array(await sharp(photo).jpeg().withMetadata({ orientation: 6 }).toBuffer());
    expect(decodePlainJpeg(turned, await sharp(turned).metadata())).toBeNull();
    const meta = await sharp(photo).metadata();
    const t = await decodeImage(turned, LIMIT, FRAME);
    expect(t.ok && [t.image.width, t.image.height]).toEqual([meta.height, meta.width]);
  });

  it('a cut-off frame is refused as before, with the sentence that says so', async () => {
    const whole = await frame();
    const cut = new Uint8Array(whole.subarray(0, Math.floor(whole.length * 0.6)));
    expect(decodePlainJpeg(cut, await sharp(cut).metadata())).toBeNull();
    const r = await decodeImage(cut, LIMIT, FRAME);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('bad_image');
    expect(r.message).toMatch(/incomplete/);
  });
});
