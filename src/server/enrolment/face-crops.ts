// Small JPEG crops for the operator to look at: every face of a multi-face upload (to pick one) and the aligned chip
// of a view that matched someone already enrolled (to compare with that person's face). Data URLs, so one JSON answer
// carries them and nothing is stored for a face that was not chosen.
import sharp from 'sharp';
import type { Box } from '../vision/detector.js';
import { CHIP_SIZE } from '../vision/embedder.js';

export interface FoundFace {
  /** Left to right, from 0: the `face` to ask for. */
  index: number;
  box: Box;
  /** Detector confidence. */
  score: number;
  /** The face with a margin, at most CROP_PX on its longer side, as a JPEG data URL. */
  crop: string;
}

const CROP_PX = 128;
/** Margin around the box on every side, as a share of its longer side. */
const MARGIN = 0.2;

const dataUrl = (jpeg: Buffer) => `data:image/jpeg;base64,${jpeg.toString('base64')}`;

export async function faceCrops(image: Uint8Array, faces: { box: Box; score: number }[]): Promise<FoundFace[]> {
  // Decoded once, turned upright as the detector saw it (EXIF orientation), then cut per face.
  const { data, info } = await sharp(image).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const img = sharp(data, { raw: { width, height, channels: info.channels } });
  return Promise.all(
    faces.map(async (f, index) => {
      const m = Math.max(f.box.width, f.box.height) * MARGIN;
      const left = Math.max(0, Math.floor(f.box.x - m));
      const top = Math.max(0, Math.floor(f.box.y - m));
      const right = Math.min(width, Math.ceil(f.box.x + f.box.width + m));
      const bottom = Math.min(height, Math.ceil(f.box.y + f.box.height + m));
      const jpeg = await img
        .clone()
        .extract({ left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) })
        .resize(CROP_PX, CROP_PX, { fit: 'inside' })
        .jpeg({ quality: 80 })
        .toBuffer();
      const box = { x: Math.round(f.box.x), y: Math.round(f.box.y), width: Math.round(f.box.width), height: Math.round(f.box.height) };
      return { index, box, score: Math.round(f.score * 1000) / 1000, crop: dataUrl(jpeg) };
    }),
  );
}

/** The aligned RGB chip (CHIP_SIZE square) as a JPEG data URL. */
export async function chipDataUrl(chip: Uint8Array): Promise<string> {
  return dataUrl(
    await sharp(Buffer.from(chip), { raw: { width: CHIP_SIZE, height: CHIP_SIZE, channels: 3 } })
      .jpeg({ quality: 85 })
      .toBuffer(),
  );
}
