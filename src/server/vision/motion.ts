// Has the picture changed? A camera that shows no one is detected on every frame so that a face is seen on the frame it
// enters; most of those frames show the same empty room. A frame's signature (the mean brightness of each cell of a
// coarse grid) is compared with the last detected frame's: where no cell moved by more than MOTION_LEVEL, nothing can
// have entered, and the detector (the largest cost of an empty frame) is skipped. Costs ~0.25 ms for 640x480.
import type { RgbImage } from './align.js';

/** Cells across and down the frame: 16x16 px each at 640x480, so a 24 px face covers at least one cell's half. */
export const MOTION_GRID = { cols: 40, rows: 30 } as const;
/**
 * A cell whose mean brightness moved by more than this (0..255) is motion. Sensor noise and JPEG re-encoding move a
 * 32-sample cell mean by about a level; a face half-covering a cell moves it by half the face's contrast with what was
 * behind it, tens of levels. A face that blends in is still found: the pipeline detects every DETECT_INTERVAL_MS anyway.
 */
export const MOTION_LEVEL = 6;

/** The signature: MOTION_GRID's cells' mean luma (BT.601, integer weights), from every 4th pixel of every other row. */
export function motionSignature(image: RgbImage): Uint8Array {
  const { cols, rows } = MOTION_GRID;
  const { data, width, height } = image;
  const sum = new Float64Array(cols * rows);
  const count = new Uint32Array(cols * rows);
  const colCell = new Int32Array(Math.ceil(width / 4));
  for (let k = 0; k < colCell.length; k++) colCell[k] = Math.min(cols - 1, Math.floor((4 * k * cols) / width));
  for (let y = 0; y < height; y += 2) {
    const rowCell = Math.min(rows - 1, Math.floor((y * rows) / height)) * cols;
    let o = y * width * 3;
    for (let k = 0; k < colCell.length; k++, o += 12) {
      const cell = rowCell + colCell[k]!;
      sum[cell]! += 77 * data[o]! + 150 * data[o + 1]! + 29 * data[o + 2]!;
      count[cell]! += 1;
    }
  }
  const out = new Uint8Array(cols * rows);
  for (let i = 0; i < out.length; i++) out[i] = count[i] ? Math.round(sum[i]! / (256 * count[i]!)) : 0;
  return out;
}

/** True when no cell moved by more than MOTION_LEVEL between two signatures of frames of one size. */
export function unchanged(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > MOTION_LEVEL) return false;
  return true;
}
