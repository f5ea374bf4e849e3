// MiniFASNet's pieces that are plain arithmetic (upstream's crop rule, the BGR 0..255 input, softmax and the summed
// decision), and the committed ONNX files against the PyTorch logits the export script recorded (check.json).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OrtModule } from '../../src/server/vision/ort.js';
import { combine, MINIFASNET_MODELS, softmax, spoofCropRect, spoofInput, SPOOF_INPUT } from '../../src/server/vision/minifasnet.js';
import { MODELS_DIR } from '../../src/server/vision/models.js';

describe('MiniFASNet crop rule (upstream CropImage._get_new_box)', () => {
  it('scales the box about its centre when it fits', () => {
    // 100x120 box centred at (320, 240) in 640x480, x2.7: 270x324 about the centre.
    expect(spoofCropRect({ x: 270, y: 180, width: 100, height: 120 }, 2.7, 640, 480)).toEqual({ x0: 185, y0: 78, x1: 455, y1: 402 });
  });

  it('shifts the crop back inside the image instead of cutting it', () => {
    const r = spoofCropRect({ x: 0, y: 0, width: 100, height: 100 }, 2.7, 640, 480);
    expect(r).toEqual({ x0: 0, y0: 0, x1: 270, y1: 270 });
    const br = spoofCropRect({ x: 560, y: 400, width: 80, height: 80 }, 2.7, 640, 480);
    expect(br.x1).toBe(639);
    expect(br.y1).toBe(479);
    expect(br.x1 - br.x0).toBe(216);
  });

  it('lowers the scale when the enlarged box would not fit the image', () => {
    // x4 of a 200x200 box is 800 px: the scale becomes (480-1)/200 on both sides (the box keeps its shape).
    const r = spoofCropRect({ x: 220, y: 140, width: 200, height: 200 }, 4, 640, 480);
    expect(r.y0).toBe(0);
    expect(r.y1).toBe(479);
    expect(r.x1 - r.x0).toBe(479);
  });
});

describe('MiniFASNet input', () => {
  it('is planar BGR in 0..255, sampled as cv2.resize INTER_LINEAR does', () => {
    // A 2x2 image, R G / B W, scaled to 4x4: corners keep the pixel values, channels are reversed.
    const image = { width: 2, height: 2, data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]) };
    const out = new Float32Array(3 * 16);
    spoofInput(image, { x0: 0, y0: 0, x1: 1, y1: 1 }, 4, out);
    const px = (x: number, y: number) => [out[y * 4 + x]!, out[16 + y * 4 + x]!, out[32 + y * 4 + x]!];
    expect(px(0, 0)).toEqual([0, 0, 255]); // red as B, G, R
    expect(px(3, 0)).toEqual([0, 255, 0]);
    expect(px(0, 3)).toEqual([255, 0, 0]);
    expect(px(3, 3)).toEqual([255, 255, 255]);
    // x = 1 samples source x 0.25: a quarter of the way from red to green.
    expect(px(1, 0)).toEqual([0, 63.75, 191.25]);
  });
});

describe('MiniFASNet decision (upstream test.py)', () => {
  it('sums the models softmax and calls class 1 real', () => {
    const p = softmax([0, Math.log(3), 0], 0, 3);
    expect(p[1]).toBeCloseTo(0.6, 10);
    expect(combine([p, p])).toEqual({ real: expect.closeTo(0.6, 10), isReal: true });
    // One confident attack outweighs a lukewarm real: the sum decides, not a vote.
    expect(
      combine([
        [0.1, 0.5, 0.4],
        [0.9, 0.1, 0],
      ]).isReal,
    ).toBe(false);
    expect(
      combine([
        [0.1, 0.5, 0.4],
        [0.9, 0.1, 0],
      ]).real,
    ).toBeCloseTo(0.3, 10);
  });
});

describe('MiniFASNet ONNX files', () => {
  const check = JSON.parse(fs.readFileSync(path.join(MODELS_DIR, 'minifasnet/check.json'), 'utf8')) as {
    torchLogits: Record<string, Record<string, number[]>>;
  };

  it('give PyTorch logits on onnxruntime-node (1 thread, extended), to 1e-4', async () => {
    const ort = createRequire(import.meta.url)('onnxruntime-node') as OrtModule;
    const n = 3 * SPOOF_INPUT * SPOOF_INPUT;
    const inputs: Record<string, Float32Array> = { ramp: Float32Array.from({ length: n }, (_, i) => (i * 37) % 256), grey: new Float32Array(n).fill(128) };
    for (const m of MINIFASNET_MODELS) {
      const session = await ort.InferenceSession.create(path.join(MODELS_DIR, m.file), { intraOpNumThreads: 1, graphOptimizationLevel: 'extended' });
      const expected = check.torchLogits[path.basename(m.file)]!;
      for (const [name, x] of Object.entries(inputs)) {
        const out = await session.run({ input: new ort.Tensor('float32', x, [1, 3, SPOOF_INPUT, SPOOF_INPUT]) });
        const got = Array.from(out.logits.data as Float32Array);
        expected[name]!.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThan(1e-4));
      }
    }
  });
});
