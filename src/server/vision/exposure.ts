// The exposure mend: a face far too dark, or washed out towards white with its detail still there, is brought to
// mid-grey by one tone curve before the networks see it, on the live and enrolment paths alike (nets-embedder.ts).
// Measured in docs/accuracy.md ("Mend before refusing", `npm run eval -- --gates`): mending every face costs a little
// on ordinary and clipped ones, so only the views the rule below picks are mended. The stored chip stays as captured.
import { measureChip, type ChipQuality } from './quality.js';

/** Mend a chip darker than this (mean luminance of its centre, 0..255). */
export const MEND_DARKER_THAN = 30;
/** Mend a chip brighter than this, when at most MEND_MAX_CLIPPED of it is clipped (a washed-out, not burnt-out face). */
export const MEND_BRIGHTER_THAN = 200;
export const MEND_MAX_CLIPPED = 0.05;

export function needsExposureMend(q: Pick<ChipQuality, 'brightness' | 'clipped'>): boolean {
  return q.brightness < MEND_DARKER_THAN || (q.brightness > MEND_BRIGHTER_THAN && q.clipped <= MEND_MAX_CLIPPED);
}

/** Gamma that maps mean brightness `measured` to 128, limited to [1/3, 3] (a black or white face is not invented). */
export function exposureGamma(measured: number): number {
  const m = Math.min(254, Math.max(1, measured)) / 255;
  return Math.min(3, Math.max(1 / 3, Math.log(128 / 255) / Math.log(m)));
}

/** out = 255 (in / 255)^gamma, as a lookup table. */
export function toneCurve(gamma: number): Uint8Array {
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.round(255 * Math.pow(v / 255, gamma));
  return lut;
}

/** A copy of `rgb` through the tone curve that brings `measured` to 128. */
export function mendExposure(rgb: Uint8Array, measured: number): Uint8Array {
  const lut = toneCurve(exposureGamma(measured));
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) out[i] = lut[rgb[i]!]!;
  return out;
}

/** The chip the networks see: mended when the rule picks it, else the chip itself (judged on the chip's centre). */
export function mendChip(chip: Uint8Array, size: number): Uint8Array {
  const q = measureChip(chip, size);
  return needsExposureMend(q) ? mendExposure(chip, q.brightness) : chip;
}

/** Each face's ArcFace crop, mended with its dlib chip's curve when the rule picks the chip (one decision per face). */
export function mendCropsLikeChips(chips: Uint8Array[], crops: Uint8Array[], chipSize: number): Uint8Array[] {
  return crops.map((crop, i) => {
    const chip = chips[i];
    if (!chip) return crop;
    const q = measureChip(chip, chipSize);
    return needsExposureMend(q) ? mendExposure(crop, q.brightness) : crop;
  });
}
