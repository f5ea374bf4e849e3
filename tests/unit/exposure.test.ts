// The exposure mend's rule and curve (vision/exposure.ts): which chips are mended, and what the curve does.
import { describe, expect, it } from 'vitest';
import { mendChip, mendCropsLikeChips, needsExposureMend } from '../../src/server/vision/exposure.js';
import { measureChip } from '../../src/server/vision/quality.js';

/** A size x size chip with a ramp of grey values around `mean` (spread ±`spread`). */
function chip(size: number, mean: number, spread: number): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    const v = Math.max(0, Math.min(255, Math.round(mean + spread * Math.sin(i * 0.37))));
    out.fill(v, i * 3, i * 3 + 3);
  }
  return out;
}

describe('exposure mend', () => {
  it('mends very dark chips and washed-out ones, not ordinary, bright-but-clipped or merely dim ones', () => {
    expect(needsExposureMend({ brightness: 29, clipped: 0.3 })).toBe(true);
    expect(needsExposureMend({ brightness: 30, clipped: 0 })).toBe(false);
    expect(needsExposureMend({ brightness: 140, clipped: 0 })).toBe(false);
    expect(needsExposureMend({ brightness: 200, clipped: 0 })).toBe(false);
    expect(needsExposureMend({ brightness: 225, clipped: 0.05 })).toBe(true);
    expect(needsExposureMend({ brightness: 225, clipped: 0.06 })).toBe(false); // burnt out: mending measured worse
  });

  it('brings a washed-out chip towards mid-grey (gamma at most 3), keeps its order of values, and leaves an ordinary chip as the same array', () => {
    const washed = chip(150, 228, 20);
    const mended = mendChip(washed, 150);
    const q = measureChip(mended, 150);
    // 228 would need gamma 6 to reach 128; the curve stops at 3 (255 (228/255)^3 = 182): no detail is invented.
    expect(q.brightness).toBeGreaterThan(170);
    expect(q.brightness).toBeLessThan(195);
    expect(measureChip(mendChip(chip(150, 12, 8), 150), 150).brightness).toBeGreaterThan(60);
    for (let i = 3; i < washed.length; i += 3) if (washed[i]! > washed[i - 3]!) expect(mended[i]!).toBeGreaterThanOrEqual(mended[i - 3]!);
    const ordinary = chip(150, 140, 40);
    expect(mendChip(ordinary, 150)).toBe(ordinary);
  });

  it("mends each crop by its own chip's decision", () => {
    const crops = [chip(112, 228, 20), chip(112, 228, 20)];
    const out = mendCropsLikeChips([chip(150, 228, 20), chip(150, 140, 40)], crops, 150);
    expect(out[0]).not.toBe(crops[0]);
    expect(measureChip(out[0]!, 112).brightness).toBeLessThan(195);
    expect(out[1]).toBe(crops[1]);
  });
});
