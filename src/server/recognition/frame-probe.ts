// A frame's JPEG header, read without decoding its pixels: frames the pipeline answers by prediction are still refused
// when they are not an image or over the pixel limit, as a detected frame would be.
import sharp from 'sharp';

export type ProbeResult = { ok: true; width: number; height: number } | { ok: false; code: 'bad_image' | 'frame_too_large'; message: string };

export async function probeImage(bytes: Uint8Array, maxPixels: number): Promise<ProbeResult> {
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) return { ok: false, code: 'bad_image', message: 'image has no dimensions' };
    if (meta.width * meta.height > maxPixels)
      return { ok: false, code: 'frame_too_large', message: `image is ${meta.width}x${meta.height}, over the limit of ${maxPixels} pixels` };
    return { ok: true, width: meta.width, height: meta.height };
  } catch (err) {
    return { ok: false, code: 'bad_image', message: `image could not be decoded: ${err instanceof Error ? err.message : String(err)}` };
  }
}
