// BlazeFace's input (blazeface-onnx.ts letterbox) is built with per-column tables for speed; it must stay the plain
// bilinear resize it replaced, value for value, or the live detector's boxes (and the accuracy behind them) move.
import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../../src/server/vision/align.js';
import { letterbox } from '../../src/server/vision/blazeface-onnx.js';

/** The straightforward bilinear letterbox, as it was written first. */
function reference(image: RgbImage, size: number, w: number, h: number, left: number, top: number): Float32Array {
  const out = new Float32Array(size * size * 3).fill(-1);
  const { data, width: W, height: H } = image;
  const fx = W / w,
    fy = H / h;
  for (let y = 0; y < h; y++) {
    const sy = Math.min(H - 1, Math.max(0, (y + 0.5) * fy - 0.5));
    const y0 = Math.floor(sy),
      y1 = Math.min(H - 1, y0 + 1),
      wy = sy - y0;
    let o = ((top + y) * size + left) * 3;
    for (let x = 0; x < w; x++) {
      const sx = Math.min(W - 1, Math.max(0, (x + 0.5) * fx - 0.5));
      const x0 = Math.floor(sx),
        x1 = Math.min(W - 1, x0 + 1),
        wx = sx - x0;
      const a = (y0 * W + x0) * 3,
        b = (y0 * W + x1) * 3,
        c = (y1 * W + x0) * 3,
        d = (y1 * W + x1) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const t = data[a + ch]! + (data[b + ch]! - data[a + ch]!) * wx;
        const u = data[c + ch]! + (data[d + ch]! - data[c + ch]!) * wx;
        out[o++] = (t + (u - t) * wy) / 127.5 - 1;
      }
    }
  }
  return out;
}

function randomImage(width: number, height: number, seed: number): RgbImage {
  let x = seed;
  const data = new Uint8Array(width * height * 3).map(() => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x & 255;
  });
  return { data, width, height };
}

describe('BlazeFace letterbox', () => {
  for (const [W, H] of [
    [640, 480],
    [333, 517],
    [1920, 1080],
    [100, 60],
  ] as const)
    it(`${W}x${H} into 256: the same floats as the plain bilinear resize`, () => {
      const image = randomImage(W, H, W * 7 + H);
      const scale = 256 / Math.max(W, H);
      const w = Math.max(1, Math.round(W * scale)),
        h = Math.max(1, Math.round(H * scale));
      const left = Math.floor((256 - w) / 2),
        top = Math.floor((256 - h) / 2);
      expect(Buffer.from(letterbox(image, 256, w, h, left, top).buffer).equals(Buffer.from(reference(image, 256, w, h, left, top).buffer))).toBe(true);
    });
});
