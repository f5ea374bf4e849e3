// Degraded copies of a photo for the held-out evaluation: what low-resolution and poor cameras do to a face.
// Each condition is a pure function of the photo and the face box found on the clean photo.
import sharp from 'sharp';

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const CONDITIONS = ['clean', 'tight', 'tight112', 'tight80', 'jpeg50', 'blur'] as const;
export type Condition = (typeof CONDITIONS)[number];

export const CONDITION_HELP: Record<Condition, string> = {
  clean: 'the photo as it is',
  tight: 'square crop of the detector box (1.0 x its longer side), full resolution: the face fills the photo',
  tight112: 'the tight crop downscaled to 112x112 px (a low-resolution camera)',
  tight80: 'the tight crop downscaled to 80x80 px',
  jpeg50: 'the whole photo re-encoded as JPEG quality 50',
  blur: 'the whole photo blurred (Gaussian, sigma = face side / 40, at least 1 px)',
};

/** The degraded JPEG, or null when the condition needs the clean photo's face and it had none. */
export async function degrade(photo: Buffer, condition: Condition, face: FaceBox | null): Promise<Buffer | null> {
  if (condition === 'clean') return photo;
  if (condition === 'jpeg50') return sharp(photo).rotate().jpeg({ quality: 50 }).toBuffer();
  if (!face) return null;
  const side = Math.max(face.width, face.height);
  if (condition === 'blur')
    return sharp(photo)
      .rotate()
      .blur(Math.max(1, side / 40))
      .jpeg({ quality: 95 })
      .toBuffer();
  const img = sharp(photo).rotate();
  const { width = 0, height = 0 } = await img.metadata();
  // The square around the box, kept inside the photo (a box at the edge gives a crop shifted inwards).
  const s = Math.min(Math.round(side), width, height);
  const left = Math.min(Math.max(0, Math.round(face.x + face.width / 2 - s / 2)), width - s);
  const top = Math.min(Math.max(0, Math.round(face.y + face.height / 2 - s / 2)), height - s);
  const crop = img.extract({ left, top, width: s, height: s });
  const px = condition === 'tight112' ? 112 : condition === 'tight80' ? 80 : s;
  return crop.resize(px, px).jpeg({ quality: 95 }).toBuffer();
}
