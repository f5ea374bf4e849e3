// Chip quality measures (sharpness, exposure) and the yaw-based pose classes, on synthetic chips.
import { describe, expect, it } from 'vitest';
import { classifyPose } from '../../src/server/enrolment/poses.js';
import { measureChip } from '../../src/server/vision/quality.js';

const SIZE = 150;
function chip(px: (x: number, y: number) => number): Uint8Array {
  const c = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) c.fill(px(x, y), (y * SIZE + x) * 3, (y * SIZE + x) * 3 + 3);
  return c;
}

describe('measureChip', () => {
  it('a flat chip has no sharpness and its own brightness', () => {
    expect(
      measureChip(
        chip(() => 120),
        SIZE,
      ),
    ).toEqual({ sharpness: 0, brightness: 120, clipped: 0 });
  });

  it('fine detail is sharp; the same pattern smoothed is much less so', () => {
    const fine = measureChip(
      chip((x, y) => ((x + y) % 2 ? 160 : 100)),
      SIZE,
    );
    const smooth = measureChip(
      chip((x) => 130 + 30 * Math.sin(x / 8)),
      SIZE,
    );
    expect(fine.sharpness).toBeGreaterThan(10_000);
    expect(smooth.sharpness).toBeLessThan(1);
    expect(fine.brightness).toBeCloseTo(130, 0);
  });

  it('counts clipped pixels of the centre only', () => {
    const q = measureChip(
      chip((x) => (x < 75 ? 255 : 128)),
      SIZE,
    );
    // Centre columns 30..119: 45 of 90 are white.
    expect(q.clipped).toBeCloseTo(0.5, 2);
    expect(
      measureChip(
        chip((x) => (x < 20 ? 0 : 128)),
        SIZE,
      ).clipped,
    ).toBe(0);
  });

  it('refuses a buffer of the wrong size', () => {
    expect(() => measureChip(new Uint8Array(10), SIZE)).toThrow(/not 150x150/);
  });
});

describe('classifyPose', () => {
  it('classifies by yaw sign and magnitude', () => {
    expect(classifyPose(0, 0.1)).toBe('straight');
    expect(classifyPose(0.099, 0.1)).toBe('straight');
    expect(classifyPose(0.1, 0.1)).toBe('right');
    expect(classifyPose(-0.3, 0.1)).toBe('left');
  });
});
