// Box geometry for tracking.
import type { Box } from '../vision/detector.js';

export function iou(a: Box, b: Box): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy one-to-one association by descending IoU of last boxes: the tracker's association before motion prediction
 * (association.ts), kept as the baseline bench/tracking.ts measures against. It loses any face that moves more than
 * about a third of its size between processed frames.
 * Returns, for each detection, the index of its track or -1.
 */
export function associate(tracks: Box[], detections: Box[], minIou: number): number[] {
  const pairs: { t: number; d: number; overlap: number }[] = [];
  tracks.forEach((tb, t) =>
    detections.forEach((db, d) => {
      const overlap = iou(tb, db);
      if (overlap >= minIou) pairs.push({ t, d, overlap });
    }),
  );
  pairs.sort((a, b) => b.overlap - a.overlap);
  const result = new Array<number>(detections.length).fill(-1);
  const usedTracks = new Set<number>();
  for (const { t, d } of pairs) {
    if (result[d] !== -1 || usedTracks.has(t)) continue;
    result[d] = t;
    usedTracks.add(t);
  }
  return result;
}

const size = (b: Box) => Math.max(b.width, b.height);
/** Distance between the two boxes' centres. */
export const centreGap = (a: Box, b: Box) => Math.hypot(a.x + a.width / 2 - b.x - b.width / 2, a.y + a.height / 2 - b.y - b.height / 2);
/** Centres closer than `factor` times the sum of the two boxes' sizes (longer sides). */
const near = (a: Box, b: Box, factor: number) => centreGap(a, b) < factor * (size(a) + size(b));

/** Some two of these boxes have centres closer than `factor` times the sum of their sizes (longer sides). */
export function anyNear(boxes: Box[], factor: number): boolean {
  return boxes.some((a, i) => boxes.slice(i + 1).some((b) => near(a, b, factor)));
}

/** Whether `box` is near (as anyNear) any of `others`. */
export function nearAny(box: Box, others: Box[], factor: number): boolean {
  return others.some((b) => near(box, b, factor));
}

/** How many times larger the wider of two boxes is than the other (1: the same width). */
export function scaleChange(a: Box, b: Box): number {
  return Math.max(a.width / b.width, b.width / a.width);
}

/** Share of the box's area inside a picture of this size (0: wholly outside). */
export function shareInside(b: Box, picture: { width: number; height: number }): number {
  const w = Math.max(0, Math.min(b.x + b.width, picture.width) - Math.max(b.x, 0));
  const h = Math.max(0, Math.min(b.y + b.height, picture.height) - Math.max(b.y, 0));
  const area = b.width * b.height;
  return area > 0 ? (w * h) / area : 0;
}
