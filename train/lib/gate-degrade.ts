// Degradations along each enrolment gate's axis (`npm run eval -- --gates`): darker, brighter (clipping, or washed
// out without clipping), clipped (contrast),
// blurred, smaller and leaning copies of a photo, and the exposure mend (a tone curve that brings the face to mid-grey).
// Each is a pure function of the photo and the face box found on the clean photo.
import sharp from 'sharp';
import { exposureGamma, toneCurve } from '../../src/server/vision/exposure.js';
import type { FaceBox } from './degrade.js';

export const AXES = ['dark', 'bright', 'washed', 'contrast', 'blur', 'size', 'roll'] as const;
export type Axis = (typeof AXES)[number];

export interface Level {
  axis: Axis;
  /** The degradation's own parameter: gain, gain+offset, contrast gain, sigma per face side, face px, degrees. */
  param: number;
  id: string;
}

/** The levels measured on each axis, mildest first. */
export const LEVELS: Record<Axis, number[]> = {
  // Pixel values x gain: a dim room (and what a webcam's gain does not recover).
  dark: [0.7, 0.5, 0.35, 0.25, 0.18, 0.12, 0.08],
  // x (1 + p) + 60 p: a bright window behind the camera; the top end clips.
  bright: [0.2, 0.4, 0.6, 0.8, 1.0, 1.3, 1.7],
  // 255 - (255 - v) x p: a veil of light (a bright window, flare, a webcam's auto-exposure lifting a backlit face).
  // Brighter and flatter, but nothing clips that was not white: the views "bright" cannot give, a face whose mean is
  // 215-240 with its detail still there.
  washed: [0.6, 0.45, 0.35, 0.25, 0.18, 0.12],
  // Contrast x g about mid-grey: both ends clip while the mean stays.
  contrast: [1.5, 2, 2.5, 3, 4, 6],
  // Gaussian blur, sigma = face side x p.
  blur: [1 / 80, 1 / 40, 1 / 25, 1 / 16, 1 / 11, 1 / 8],
  // The whole photo scaled so the clean face box's side is p px.
  size: [112, 96, 80, 64, 48, 40, 32, 24],
  // The photo rotated p degrees (head leaning sideways).
  roll: [10, 20, 30, 40],
};

export const AXIS_HELP: Record<Axis, string> = {
  dark: 'every pixel value x gain (gain = param)',
  bright: 'every pixel value x (1 + param) + 60 x param, clipped at 255',
  washed: 'every pixel value v -> 255 - (255 - v) x param (lifted towards white, nothing newly clipped)',
  contrast: 'contrast x param about mid-grey (128), clipped at 0 and 255',
  blur: 'Gaussian blur, sigma = face side x param',
  size: 'the whole photo scaled so the face box side is param px',
  roll: 'the photo rotated by param degrees',
};

export const allLevels = (axes: readonly Axis[] = AXES): Level[] =>
  axes.flatMap((axis) => LEVELS[axis].map((param) => ({ axis, param, id: `${axis}:${+param.toFixed(4)}` })));

/** The degraded JPEG (quality 95), or null when the level needs the clean photo's face box and there is none. */
export async function degradeAlong(photo: Buffer, level: Level, face: FaceBox | null): Promise<Buffer | null> {
  const img = sharp(photo).rotate();
  const jpeg = (s: ReturnType<typeof sharp>) => s.jpeg({ quality: 95 }).toBuffer();
  const p = level.param;
  switch (level.axis) {
    case 'dark':
      return jpeg(img.linear(p, 0));
    case 'bright':
      return jpeg(img.linear(1 + p, 60 * p));
    case 'washed':
      return jpeg(img.linear(p, 255 * (1 - p)));
    case 'contrast':
      return jpeg(img.linear(p, 128 * (1 - p)));
    case 'roll':
      return jpeg(img.rotate(p, { background: { r: 128, g: 128, b: 128 } }));
    case 'blur':
    case 'size': {
      if (!face) return null;
      const side = Math.max(face.width, face.height);
      if (level.axis === 'blur') return jpeg(img.blur(Math.max(0.3, side * p)));
      const { width = 0 } = await sharp(photo).rotate().metadata();
      return jpeg(img.resize(Math.max(8, Math.round((width * p) / side))));
    }
  }
}

/**
 * The exposure mend: one tone curve on every channel, out = 255 (in / 255)^gamma, with gamma chosen so that the face's
 * measured mean brightness `measured` lands on 128. A pointwise curve on the photo is the same curve on the aligned
 * chip (the warp only interpolates), so this measures what mending the chip before embedding would do.
 */
export async function mendExposure(photo: Buffer, measured: number): Promise<Buffer> {
  const gamma = exposureGamma(measured);
  const { data, info } = await sharp(photo).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const lut = toneCurve(gamma);
  for (let i = 0; i < data.length; i++) data[i] = lut[data[i]!]!;
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .jpeg({ quality: 95 })
    .toBuffer();
}
