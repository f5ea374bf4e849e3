// A photo libvips cannot decode is answered with one plain sentence (what is wrong, what to do), never libvips' own
// text: a JPEG cut off after its header used to come back as five lines of "VipsJpeg: ..." (issue 18).
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/server/vision/decode.js';
import { fixture } from '../helpers/ws-client.js';

const jpeg = fixture('Amy/1.jpg');
const broken: [string, Uint8Array, RegExp][] = [
  [
    'cut off after its header',
    jpeg.subarray(0, 300),
    /^the image data is damaged and cannot be decoded: open it in an image viewer and save it again as JPEG, or choose another photo$/,
  ],
  [
    'cut off halfway',
    jpeg.subarray(0, jpeg.length >> 1),
    /^the image is incomplete \(the file was cut off while it was copied or downloaded\): copy or download it again/,
  ],
  ['not an image', new TextEncoder().encode('hello, this is a text file'), /^not an image the server can read \(JPEG, PNG or WebP\): save or export it/],
  ['damaged in the middle', Buffer.concat([jpeg.subarray(0, 2000), Buffer.alloc(3000, 0x55), jpeg.subarray(5000)]), /^the image data is damaged/],
];

describe('undecodable images', () => {
  for (const [what, bytes, want] of broken)
    it(`${what}: one clear sentence, no library text`, async () => {
      const r = await decodeImage(new Uint8Array(bytes), 40_000_000);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.code).toBe('bad_image');
      expect(r.message).toMatch(want);
      expect(r.message).not.toMatch(/vips|jpeg:|huffman|SOS|buffer|\n/i);
    });

  it('a good photo still decodes', async () => {
    expect((await decodeImage(jpeg, 40_000_000)).ok).toBe(true);
  });
});
