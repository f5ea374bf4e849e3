// ArcFace-style alignment: five points (eye centres, nose tip, mouth corners) taken from the 68 landmarks, fitted by a
// similarity transform onto the standard 112x112 ArcFace template, the crop MobileFaceNet was trained on.
import { fitSimilarity, meanFaceLandmark, type Affine, type Point } from './align.js';

export const ARCFACE_SIZE = 112;

/**
 * The 5-point template of insightface's arcface_dst (pixels of a 112x112 crop), in image order: the eye on the image's
 * left, the other eye, nose tip, left and right mouth corner. Reference data shared by every ArcFace-style aligner.
 */
export const ARCFACE_TEMPLATE: readonly Point[] = [
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
];

function mean(points: Point[]): Point {
  return { x: points.reduce((s, p) => s + p.x, 0) / points.length, y: points.reduce((s, p) => s + p.y, 0) / points.length };
}

/** The five ArcFace points from iBUG 68 landmarks: eye centres (36-41, 42-47), nose tip (30), mouth corners (48, 54). */
export function fivePoints(landmarks68: Point[]): Point[] {
  if (landmarks68.length !== 68) throw new Error(`expected 68 landmarks, got ${landmarks68.length}`);
  return [mean(landmarks68.slice(36, 42)), mean(landmarks68.slice(42, 48)), landmarks68[30]!, landmarks68[48]!, landmarks68[54]!];
}

/** Transform from ArcFace crop pixels to image pixels (for warpToChip), fitted on the five points. */
export function arcfaceToImageTransform(landmarks68: Point[], size = ARCFACE_SIZE): Affine {
  const s = size / ARCFACE_SIZE;
  return fitSimilarity(
    ARCFACE_TEMPLATE.map((p) => ({ x: p.x * s, y: p.y * s })),
    fivePoints(landmarks68),
  );
}

/**
 * Transform from ArcFace crop pixels to the pixels of an aligned dlib chip, for faces known only by their stored chip.
 * The chip puts the landmarks where dlib's mean face has them (align.ts), so the five points are the mean face's.
 * The top of the ArcFace crop (forehead) lies outside a padding-0.25 chip; warpToChip leaves it black there.
 */
export function arcfaceToChipTransform(chipSize: number, chipPadding: number, size = ARCFACE_SIZE): Affine {
  const face = Array.from({ length: 68 }, (_, i) => (i < 17 ? { x: 0, y: 0 } : meanFaceLandmark(i, chipSize, chipPadding)));
  return arcfaceToImageTransform(face, size);
}
