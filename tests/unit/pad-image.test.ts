// embedAll's pad-retry: the detector gets a mid-grey border, the embedding a black one (what warpToChip puts outside a
// photo), with the photo's pixels unchanged in the middle.
import { describe, expect, it } from 'vitest';
import { padImage } from '../../src/server/vision/analyzer.js';

const photo = { data: new Uint8Array([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]), width: 2, height: 2 };
const at = (img: { data: Uint8Array; width: number }, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('padImage', () => {
  it('puts a border of frac x the longer side on every edge, mid-grey by default', () => {
    const padded = padImage(photo, 0.5);
    expect([padded.width, padded.height]).toEqual([4, 4]);
    expect(at(padded, 0, 0)).toEqual([128, 128, 128]);
    expect(at(padded, 3, 2)).toEqual([128, 128, 128]);
    expect(at(padded, 1, 1)).toEqual([10, 20, 30]);
    expect(at(padded, 2, 2)).toEqual([100, 110, 120]);
  });

  it('fills the border with the level given: black for the embedding', () => {
    const padded = padImage(photo, 0.5, 0);
    expect(at(padded, 0, 3)).toEqual([0, 0, 0]);
    expect(at(padded, 2, 1)).toEqual([40, 50, 60]);
  });
});
