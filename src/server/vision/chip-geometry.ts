// The aligned face chips: the 150 px dlib chip the ResNet embeds, and the wider chip the gallery stores with each
// enrolled face (and each unknown sighting and recognition, which may become one) so that it can be re-embedded when
// the model changes (gallery/reembed.ts).
//
// The stored chip has the dlib chip's geometry at the same scale (100 px per unit of dlib's mean face), with padding 0.6
// instead of 0.25: 220 px. Its centre 150 px is exactly the ResNet's chip, and it holds the whole 112x112 ArcFace crop
// that MobileFaceNet and EdgeFace embed, whose top the 150 px chip cuts off (the forehead came out black when a gallery
// was re-embedded for those models: docs/accuracy.md, issue 21). Crops stored before are 150 px chips; both are read.
import { ARCFACE_SIZE, arcfaceToChipTransform } from './align-arcface.js';
import { chipToImageTransform, warpToChip, type Point, type RgbImage } from './align.js';

export const CHIP_SIZE = 150;
/** The padding of the chips the wide chip contains exactly (the scale is the same only for it: 150 / 1.5 px a unit). */
const BASE_PADDING = 0.25;
export const WIDE_CHIP_PADDING = 0.6;
export const WIDE_CHIP_SIZE = Math.round((CHIP_SIZE * (1 + 2 * WIDE_CHIP_PADDING)) / (1 + 2 * BASE_PADDING)); // 220
/** Where the 150 px chip starts inside the wide one, on both axes. */
const WIDE_OFFSET = (WIDE_CHIP_SIZE - CHIP_SIZE) / 2; // 35

/** Whether a model's chip is the centre of the wide chip (its padding is dlib's 0.25, as every shipped model's is). */
const wideChipFits = (chipPadding: number): boolean => chipPadding === BASE_PADDING;

/** A packed RGB chip of the wide size (by length: chips carry no header). */
export const isWideChip = (chip: Uint8Array): boolean => chip.length === WIDE_CHIP_SIZE * WIDE_CHIP_SIZE * 3;

/** The 150 px chip at the centre of a wide one. */
export function centreChip(wide: Uint8Array): Uint8Array {
  const out = new Uint8Array(CHIP_SIZE * CHIP_SIZE * 3);
  for (let y = 0; y < CHIP_SIZE; y++) {
    const from = ((y + WIDE_OFFSET) * WIDE_CHIP_SIZE + WIDE_OFFSET) * 3;
    out.set(wide.subarray(from, from + CHIP_SIZE * 3), y * CHIP_SIZE * 3);
  }
  return out;
}

/** The chip a model embeds: a wide chip's centre, or a 150 px chip as it is. */
export const modelChip = (chip: Uint8Array): Uint8Array => (isWideChip(chip) ? centreChip(chip) : chip);

/**
 * The chips of a face with these 68 landmarks: the 150 px chip of `chipPadding`, and, when `wide` asks and it fits, the
 * wide chip it was cut from (one warp, so the two agree pixel for pixel; about twice the pixels of the chip alone).
 */
export function warpChips(image: RgbImage, landmarks68: Point[], chipPadding: number, wide = true): { chip: Uint8Array; wideChip?: Uint8Array } {
  if (!wide || !wideChipFits(chipPadding)) return { chip: warpToChip(image, chipToImageTransform(landmarks68, CHIP_SIZE, chipPadding), CHIP_SIZE) };
  const wideChip = warpToChip(image, chipToImageTransform(landmarks68, WIDE_CHIP_SIZE, WIDE_CHIP_PADDING), WIDE_CHIP_SIZE);
  return { chip: centreChip(wideChip), wideChip };
}

/**
 * The 112x112 ArcFace crop of a stored chip, from where dlib's mean face puts the five points. From a wide chip it is
 * whole; from a 150 px chip of padding 0.25 its top rows lie outside the chip and are black.
 */
export function arcfaceFromChip(chip: Uint8Array, chipPadding: number): Uint8Array {
  const [size, padding] = isWideChip(chip) ? [WIDE_CHIP_SIZE, WIDE_CHIP_PADDING] : [CHIP_SIZE, chipPadding];
  return warpToChip({ data: chip, width: size, height: size }, arcfaceToChipTransform(size, padding), ARCFACE_SIZE);
}
