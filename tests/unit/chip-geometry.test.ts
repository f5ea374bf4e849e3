// The stored chip's geometry (src/server/vision/chip-geometry.ts): the 150 px chip the ResNet embeds is the exact centre
// of the 220 px wide chip the gallery stores, and the wide chip holds the whole ArcFace crop that the 150 px chip cuts
// off at the top (issue 21: a gallery re-embedded for EdgeFace or MobileFaceNet lost its faces' foreheads).
import { describe, expect, it } from 'vitest';
import { ARCFACE_SIZE, arcfaceToImageTransform } from '../../src/server/vision/align-arcface.js';
import { chipToImageTransform, meanFaceLandmark, warpToChip, type Point, type RgbImage } from '../../src/server/vision/align.js';
import { embedsArcfaceCrop, readManifest, reenrolReason } from '../../src/server/vision/models.js';
import { arcfaceFromChip, CHIP_SIZE, centreChip, isWideChip, modelChip, WIDE_CHIP_SIZE, warpChips } from '../../src/server/vision/chip-geometry.js';

/** A 480x480 picture with detail everywhere (no flat area where two crops could agree by chance). */
function picture(): RgbImage {
  const width = 480,
    height = 480;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = (x * 7 + y * 3) % 256;
      data[o + 1] = (x * 2 + y * 11) % 256;
      data[o + 2] = 40 + ((x ^ y) % 180);
    }
  return { data, width, height };
}

/** 68 landmarks of dlib's mean face, turned 12 degrees, 1.6x, placed mid-picture (the jaw points are not used). */
function landmarks(): Point[] {
  const a = (12 * Math.PI) / 180,
    k = 1.6;
  return Array.from({ length: 68 }, (_, i) => {
    if (i < 17) return { x: 0, y: 0 };
    const p = meanFaceLandmark(i, 100, 0);
    return { x: 180 + k * (Math.cos(a) * p.x - Math.sin(a) * p.y), y: 170 + k * (Math.sin(a) * p.x + Math.cos(a) * p.y) };
  });
}

const maxDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const meanDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
const rowIsBlack = (crop: Uint8Array, row: number) => crop.subarray(row * ARCFACE_SIZE * 3, (row + 1) * ARCFACE_SIZE * 3).every((v) => v === 0);

describe('stored chip geometry', () => {
  const image = picture();
  const lm = landmarks();

  it('cuts the 150 px chip from the centre of the wide one: the same pixels as warping the chip directly', () => {
    const { chip, wideChip } = warpChips(image, lm, 0.25);
    expect(wideChip).toHaveLength(WIDE_CHIP_SIZE * WIDE_CHIP_SIZE * 3);
    expect(chip).toHaveLength(CHIP_SIZE * CHIP_SIZE * 3);
    const direct = warpToChip(image, chipToImageTransform(lm, CHIP_SIZE, 0.25), CHIP_SIZE);
    expect(maxDiff(chip, direct)).toBeLessThanOrEqual(1); // float rounding of the two fits, at most
    expect(isWideChip(wideChip!)).toBe(true);
    expect(isWideChip(chip)).toBe(false);
    expect(modelChip(wideChip!)).toEqual(centreChip(wideChip!));
    expect(modelChip(chip)).toBe(chip);
  });

  it('holds the whole ArcFace crop, which the 150 px chip cuts off at the top', () => {
    const { chip, wideChip } = warpChips(image, lm, 0.25);
    const fromPhoto = warpToChip(image, arcfaceToImageTransform(lm), ARCFACE_SIZE);
    const fromWide = arcfaceFromChip(wideChip!, 0.25);
    const fromChip = arcfaceFromChip(chip, 0.25);
    expect(rowIsBlack(fromWide, 0)).toBe(false);
    expect(rowIsBlack(fromChip, 0)).toBe(true);
    // Resampled twice (photo -> chip -> crop), so not equal, but close everywhere; the 150 px route is far off.
    expect(meanDiff(fromWide, fromPhoto)).toBeLessThan(meanDiff(fromChip, fromPhoto) / 3);
  });

  it('makes no wide chip for a chip padding it does not contain', () => {
    const { chip, wideChip } = warpChips(image, lm, 0.3);
    expect(wideChip).toBeUndefined();
    expect(chip).toEqual(warpToChip(image, chipToImageTransform(lm, CHIP_SIZE, 0.3), CHIP_SIZE));
  });

  it('asks to re-enrol a face re-embedded from a 150 px chip only for models that read the ArcFace crop', () => {
    const small = (modelId: string) => ({ modelId, embeddedFromCropPx: CHIP_SIZE });
    for (const id of ['fusion-resnet128-mobilefacenet192.v1', 'edgeface-xs.v1', 'edgeface-xxs.v1']) {
      const model = readManifest(id)!;
      expect(embedsArcfaceCrop(model), id).toBe(true);
      expect(reenrolReason(model, small(id)), id).toMatch(/from a 150 px stored crop/);
      expect(reenrolReason(model, { modelId: id, embeddedFromCropPx: WIDE_CHIP_SIZE }), id).toBeNull();
      expect(reenrolReason(model, { modelId: id, embeddedFromCropPx: null }), id).toBeNull();
      // A face still under another model is not searched at all: the page says that instead.
      expect(reenrolReason(model, small('dlib-resnet128.chip150.v1')), id).toBeNull();
    }
    // The ResNet embeds the 150 px chip itself: nothing is cut off.
    const resnet = readManifest('dlib-resnet128.chip150.crop1.25.flip.v1')!;
    expect(embedsArcfaceCrop(resnet)).toBe(false);
    expect(reenrolReason(resnet, small(resnet.id))).toBeNull();
  });
});
