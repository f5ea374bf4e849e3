// A predicted frame is answered from the JPEG's header alone (pipeline.ts coast), a detected one from its decoded
// pixels, which are turned upright by EXIF orientation. Both must report the same width and height, or a client that
// scales boxes by them draws every predicted overlay of a phone's quarter-turned frame stretched and misplaced.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, readImageHeader } from '../../src/server/vision/decode.js';

/** A 320x180 JPEG whose EXIF says to show it turned by `orientation`. */
const tagged = (orientation: number) =>
  sharp({ create: { width: 320, height: 180, channels: 3, background: { r: 90, g: 120, b: 150 } } })
    .jpeg()
    .withMetadata({ orientation })
    .toBuffer();

describe('image header size', () => {
  for (const [orientation, want] of [
    [1, [320, 180]],
    [3, [320, 180]],
    [6, [180, 320]],
    [8, [180, 320]],
  ] as const)
    it(`EXIF orientation ${orientation}: the header reports ${want.join('x')}, as decoding does`, async () => {
      const bytes = new Uint8Array(await tagged(orientation));
      const header = await readImageHeader(bytes, 40_000_000);
      const decoded = await decodeImage(bytes, 40_000_000);
      expect(header.ok && decoded.ok).toBe(true);
      if (!header.ok || !decoded.ok) return;
      expect([header.width, header.height]).toEqual(want);
      expect([decoded.image.width, decoded.image.height]).toEqual(want);
    });
});
